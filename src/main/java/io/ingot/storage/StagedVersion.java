package io.ingot.storage;

import java.io.IOException;
import java.nio.file.Path;

/** A template version being written under a temporary name: write the base image and the manifest here. */
public record StagedVersion(Path dir, Path baseImage, Path manifest) {

    /** Fills a staged version; runs before the backend renames it into place. */
    @FunctionalInterface
    public interface Writer {
        void write(StagedVersion staged) throws IOException;
    }
}
