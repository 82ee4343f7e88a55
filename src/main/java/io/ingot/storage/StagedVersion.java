package io.ingot.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A template version being written under a temporary name, as its storage lays it out: the storage itself decides
 * how a disk is written into it (a qcow2 file renamed into place, a raw image converted into a pool) and returns
 * the volume as stored. The base image is imported first: a capture disk is an overlay on it.
 */
public interface StagedVersion {
    /** How a source file is handed to {@link #importBaseImage}. */
    enum Import {
        /** The source stays as it is; the storage converts (and compacts) what it stores. */
        COPY,
        /** As COPY, compressed where the stored format allows it. */
        COMPRESS,
        /**
         * The caller gives the source up (a build's checked base image, a verified download): a storage that keeps
         * that format as a file renames it into place; one that does not converts it and leaves the source for the
         * caller to remove.
         */
        TAKE
    }

    /** The folder of the version's other files (RAM template memory and state) and its manifest. */
    Path dir();

    Path manifest();

    /** Stores the file {@code src} (in {@code format}) as the version's base image, and returns it as stored. */
    Volume importBaseImage(Path src, String format, Import how) throws IOException;

    default Volume importBaseImage(Path src, String format) throws IOException {
        return importBaseImage(src, format, Import.COPY);
    }

    /** Stores a base image another storage holds (a file, or an image its driver opens). */
    Volume copyBaseImage(Volume src) throws IOException;

    /**
     * Stores a RAM template's capture disk, the qcow2 overlay {@code overlay} (given up by the caller) whose backing
     * file is the base image just imported or its source, as the version's file {@code name}: kept as that overlay
     * where the storage keeps files, else converted into the whole disk state of its own.
     */
    Volume importCaptureDisk(Path overlay, String name) throws IOException;

    /** Stores the capture disk of the same version on another storage, as the version's file {@code name}. */
    Volume copyCaptureDisk(Volume src, String name) throws IOException;

    /** Fills a staged version; runs before the storage renames it into place. */
    @FunctionalInterface
    interface Writer {
        void write(StagedVersion staged) throws IOException;
    }
}
