package io.ingot.media;

import io.ingot.util.Trees;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps the media cache from growing without end: every change of a medium's scripts or inputs (a Debian point release,
 * a new ingot) builds another directory of a few hundred MiB. Each use of a medium marks it ({@link #markUsed}); after
 * a build, media of the same name not used for {@link #UNUSED} are removed, except the newest (the one used without
 * the archive). One whose lock another process holds (building it) is left alone.
 */
final class MediaCachePrune {
    /** How long a medium stays in the cache without being used. */
    static final Duration UNUSED = Duration.ofDays(30);
    static final String USED_MARK = ".used";

    private MediaCachePrune() { }

    /** A build used the medium in {@code dir}. */
    static void markUsed(Path dir) {
        try {
            Path mark = dir.resolve(USED_MARK);
            if (!Files.exists(mark)) Files.createFile(mark);
            Files.setLastModifiedTime(mark, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // a cache the user made read-only still serves its media; it is only not pruned by use
        }
    }

    /** When the medium in {@code dir} was last used (built, where no build used it since). */
    static Instant lastUsed(Path dir, String isoName) throws IOException {
        Path mark = dir.resolve(USED_MARK);
        return Files.getLastModifiedTime(Files.exists(mark) ? mark : dir.resolve(isoName)).toInstant();
    }

    /** Removes the media of {@code name} under {@code cacheDir} unused since {@code now - UNUSED}, but the newest; returns them. */
    static List<Path> prune(Path cacheDir, String name, String isoName, Instant now, Consumer<String> progress) throws IOException {
        List<Path> built;
        try (var dirs = ScriptedMedia.builtBefore(cacheDir, name, isoName)) {
            built = dirs.toList();
        }
        List<Path> removed = new ArrayList<>();
        for (Path dir : built.subList(Math.min(1, built.size()), built.size())) {
            try {
                if (remove(dir, isoName, now, progress)) removed.add(dir);
            } catch (IOException e) {
                // removed meanwhile by another ingot, or not ours to remove: the media just built are what counts
                progress.accept("left " + dir.getFileName() + " in the media cache: " + e.getMessage());
            }
        }
        return removed;
    }

    private static boolean remove(Path dir, String isoName, Instant now, Consumer<String> progress) throws IOException {
        if (lastUsed(dir, isoName).isAfter(now.minus(UNUSED))) return false;
        Path lockPath = dir.resolveSibling(dir.getFileName() + ".lock");
        try (FileChannel lock = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = tryLock(lock)) {
            if (held == null) return false;
            long mib = size(dir) >> 20;
            Trees.delete(dir);
            Files.deleteIfExists(lockPath);
            progress.accept("removed " + dir.getFileName() + " from the media cache (" + mib + " MiB, unused for "
                    + UNUSED.toDays() + " days or more)");
            return true;
        }
    }

    private static long size(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            return null;
        }
    }
}
