package io.ingot.media;

/** Building installation media failed; the message carries the builder's last output lines. */
public class MediaBuildFailed extends RuntimeException {
    public MediaBuildFailed(String message) { super(message); }
}
