package io.ingot.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A template version being written under a temporary name: write the base image (in {@code format}:
 * qcow2 on {@code dir}, raw on {@code rbd}, where {@code baseImage} is an {@code rbd:} URI) and the manifest here.
 */
public record StagedVersion(Path dir, Path baseImage, Path manifest, String format) {

    public StagedVersion(Path dir, Path baseImage, Path manifest) { this(dir, baseImage, manifest, "qcow2"); }

    /** Fills a staged version; runs before the backend renames it into place. */
    @FunctionalInterface
    public interface Writer {
        void write(StagedVersion staged) throws IOException;
    }
}
