package io.ingot.pipeline;

import java.io.PrintStream;
import java.util.List;

/**
 * What the user asked for on the command line (or the daemon on its behalf). {@code vnc}: build VMs
 * get a VNC display on loopback, its address printed (like Packer's). {@code publishAs}: a build of the fleet
 * publishes under the version number the daemon reserved, where and with the channel it says (null: the
 * recipe's storages and channel, the next number). {@code parent}: the exact version a recipe's {@code from}
 * was resolved to when the build was queued, and its base image's sha256 there (null: resolved when the build
 * starts).
 */
public record BuildOptions(OnError onError, PrintStream console, boolean vnc, PublishAs publishAs, Pin parent) {
    public BuildOptions {
        onError = onError == null ? OnError.CLEANUP : onError;
        console = console == null ? System.out : console;
    }

    public BuildOptions(OnError onError, PrintStream console, boolean vnc) {
        this(onError, console, vnc, null, null);
    }

    public BuildOptions(OnError onError, PrintStream console) {
        this(onError, console, false);
    }

    /** The same options for a build the fleet queued: its reserved version and the parent it resolved. */
    public BuildOptions forFleet(PublishAs publishAs, Pin parent) {
        return new BuildOptions(onError, console, vnc, publishAs, parent);
    }

    /** A parent version fixed beforehand: NAME:VERSION and the sha256 of its base image where it was resolved. */
    public record Pin(String ref, String sha256) { }

    /** @param channel the channel to point at the new version, or null for none (the daemon sets it when it registers) */
    public record PublishAs(int version, List<String> storages, String channel) {
        public PublishAs {
            storages = List.copyOf(storages);
        }
    }
}
