package io.ingot.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A template version being written under a temporary name: write the base image (in {@code format}:
 * qcow2 on {@code dir}, raw on {@code rbd}, where {@code baseImage} is an {@code rbd:} URI) and the manifest here.
 * {@code captureDisk}: where a RAM template's capture disk goes, converted in {@code format} to the full disk
 * state at capture time (rbd: an image of its own); null when it stays a qcow2 overlay file in {@code dir}
 * beside the other RAM template files, backed by the base image ({@code dir}).
 */
public record StagedVersion(Path dir, Path baseImage, Path manifest, String format, Path captureDisk) {

    public StagedVersion(Path dir, Path baseImage, Path manifest) { this(dir, baseImage, manifest, "qcow2", null); }

    /** Fills a staged version; runs before the backend renames it into place. */
    @FunctionalInterface
    public interface Writer {
        void write(StagedVersion staged) throws IOException;
    }
}
