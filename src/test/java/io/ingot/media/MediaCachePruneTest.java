package io.ingot.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The media cache keeps what builds use and the newest medium; media unused for 30 days go. */
class MediaCachePruneTest {
    private static final String ISO = "debianinstall.iso";
    private final Instant now = Instant.parse("2026-12-06T03:00:00Z");

    @Test
    void mediaUnusedFor30DaysAreRemovedButTheNewestAndOnesInUse(@TempDir Path cache) throws Exception {
        Path old = medium(cache, "debianinstall-aaaaaaaaaaaa", 90, null);
        Path oldUsedLately = medium(cache, "debianinstall-bbbbbbbbbbbb", 80, Duration.ofDays(2));
        Path oldUsedLongAgo = medium(cache, "debianinstall-cccccccccccc", 70, Duration.ofDays(40));
        Path newestButOld = medium(cache, "debianinstall-dddddddddddd", 60, null);
        Path otherMedium = medium(cache, "tinyinstall-eeeeeeeeeeee", 100, null);
        Files.writeString(cache.resolve("media/debianinstall-aaaaaaaaaaaa.lock"), "");
        List<String> said = new ArrayList<>();

        List<Path> removed = MediaCachePrune.prune(cache, "debianinstall", ISO, now, said::add);

        assertEquals(List.of(old, oldUsedLongAgo), removed.stream().sorted().toList());
        assertFalse(Files.exists(old) || Files.exists(oldUsedLongAgo), "their directories are gone");
        assertFalse(Files.exists(cache.resolve("media/debianinstall-aaaaaaaaaaaa.lock")), "and their lock files");
        assertTrue(Files.isRegularFile(oldUsedLately.resolve(ISO)), "used 2 days ago: kept");
        assertTrue(Files.isRegularFile(newestButOld.resolve(ISO)), "the newest: kept for builds without the archive");
        assertTrue(Files.isRegularFile(otherMedium.resolve("tinyinstall.iso")), "another medium's cache is not this prune's");
        assertEquals(2, said.size(), String.join("\n", said));
        assertTrue(said.get(0).matches("removed debianinstall-[ac]{12} from the media cache \\(\\d+ MiB, unused for 30 days or more\\)"), said.get(0));
    }

    @Test
    void aMediumAnotherProcessHoldsIsLeftAlone(@TempDir Path cache) throws Exception {
        Path held = medium(cache, "debianinstall-aaaaaaaaaaaa", 90, null);
        medium(cache, "debianinstall-bbbbbbbbbbbb", 10, null);
        try (FileChannel lock = FileChannel.open(cache.resolve("media/debianinstall-aaaaaaaaaaaa.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE); var ignored = lock.lock()) {
            assertEquals(List.of(), MediaCachePrune.prune(cache, "debianinstall", ISO, now, s -> { }));
        }
        assertTrue(Files.isRegularFile(held.resolve(ISO)));
    }

    @Test
    void aUseMarksTheMedium(@TempDir Path cache) throws Exception {
        Path dir = medium(cache, "debianinstall-aaaaaaaaaaaa", 90, null);
        MediaCachePrune.markUsed(dir);
        assertTrue(MediaCachePrune.lastUsed(dir, ISO).isAfter(Instant.now().minusSeconds(60)));
    }

    /** A medium built {@code daysAgo}, last used {@code usedAgo} ago (null: never since its build). */
    private Path medium(Path cache, String dirName, int daysAgo, Duration usedAgo) throws Exception {
        Path dir = Files.createDirectories(cache.resolve("media").resolve(dirName));
        Path iso = dir.resolve(dirName.startsWith("tiny") ? "tinyinstall.iso" : ISO);
        Files.write(iso, new byte[4096]);
        Files.setLastModifiedTime(iso, FileTime.from(now.minus(Duration.ofDays(daysAgo))));
        if (usedAgo != null) {
            Path mark = Files.createFile(dir.resolve(MediaCachePrune.USED_MARK));
            Files.setLastModifiedTime(mark, FileTime.from(now.minus(usedAgo)));
        }
        return dir;
    }
}
