package io.ingot.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The one way ingot deletes a directory tree. */
public final class Trees {
    private Trees() { }

    /**
     * Deletes {@code top} and everything under it; nothing when it is not there. Read-only directories are made
     * writable first (template versions are 0555), symbolic links are removed, never followed, and a tree another
     * process deletes at the same time is no error.
     */
    public static void delete(Path top) throws IOException {
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> all;
        try (Stream<Path> walk = Files.walk(top)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof NoSuchFileException)) throw e.getCause();
            return; // another process is deleting the same tree
        }
        for (Path p : all) {
            Path parent = p.getParent();
            if (parent != null && Files.isDirectory(parent) && !Files.isWritable(parent)) {
                Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            try {
                Files.deleteIfExists(p);
            } catch (DirectoryNotEmptyException e) {
                delete(p); // something appeared meanwhile (another process's temporary file): once more
            }
        }
    }

    /** {@link #delete} for cleanup paths that must go on: false when it failed. */
    public static boolean deleteQuietly(Path top) {
        try {
            delete(top);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
