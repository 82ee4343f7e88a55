package io.ingot.daemon;

import io.ingot.media.MediaFetcher;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code when: changed}: a new checksum in a {@code file:} checksum list (same URL) changes the input hash, and the
 * hash a successful build records is the one of its inputs when it started.
 */
class InputHashTest {
    private static final Path HOME = Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath();

    @Test
    void aNewChecksumInTheSameListChangesTheHash(@TempDir Path dir) throws Exception {
        Path sums = dir.resolve("SHA256SUMS");
        Files.writeString(sums, "a".repeat(64) + "  other.iso\n" + "1".repeat(64) + "  ./netinst.iso\n");
        LoadedRecipe recipe = recipe(dir, "    url: https://mirror.example/debian/netinst.iso\n    checksum: file:" + sums.toUri());
        MediaFetcher fetcher = new MediaFetcher(dir, line -> { }, b -> null);
        InputHash.ChecksumLists lists = (c, f, u) -> fetcher.expected(c, f, u).toString();

        String first = InputHash.of(recipe, lists);
        assertEquals(first, InputHash.of(recipe, lists), "same inputs, same hash");
        Files.writeString(sums, "a".repeat(64) + "  other.iso\n" + "2".repeat(64) + "  ./netinst.iso\n");
        assertNotEquals(first, InputHash.of(recipe, lists), "the list now gives another checksum for the ISO");
        Files.writeString(sums, "b".repeat(64) + "  other.iso\n" + "2".repeat(64) + "  ./netinst.iso\n");
        String second = InputHash.of(recipe, (c, f, u) -> fetcher.expected(c, f, u).toString());
        assertEquals(second, InputHash.of(recipe, lists), "another file's line does not count");
        Files.delete(sums);
        assertNotEquals(second, InputHash.of(recipe, lists), "a list that cannot be read never matches a built hash");
    }

    @Test
    void aBuildRecordsTheHashOfItsInputsWhenItWasQueued(@TempDir Path dir) throws Exception {
        LoadedRecipe recipe = recipe(dir, "    builtin: tinyinstall");
        ScheduleStates states = new ScheduleStates(dir.resolve("state"));
        Schedules schedules = new Schedules(new Recipes(dir), null, states, new Metrics(), 3, null, (c, f, u) -> c);
        String atQueue = InputHash.of(recipe, (c, f, u) -> c);
        BuildJob job = new BuildJob("20260101-000000-abcdef", "hash-test", "api", Instant.now(), "running", null)
                .sent(1, "local", "latest", atQueue);

        Files.writeString(recipe.file(), Files.readString(recipe.file()) + "\n# edited while the build ran\n");
        schedules.finished(job, new BuildQueue.Outcome(true, "published hash-test:1", Instant.now(), List.of()));
        assertEquals(atQueue, states.get("hash-test").lastBuiltHash(), "the edit made during the build is not counted as built");
        assertNotEquals(atQueue, InputHash.of(recipe, (c, f, u) -> c));
        assertNull(states.get("other").lastBuiltHash());
    }

    @Test
    void aRecipeMadeFromATemplateChangesWhenItsParentsChannelMoves(@TempDir Path dir) throws Exception {
        copyTree(HOME.resolve("recipes/tiny-linux"), dir.resolve("tiny-linux"));
        Path file = dir.resolve("child.yaml");
        Files.writeString(file, "name: child\nfrom: parent@stable\nprovisioners:\n  - type: shell\n    inline: [\"true\"]\n");
        LoadedRecipe child = new RecipeLoader().load(file, Map.of());
        String[] resolved = {"parent:1 sha256:aaa"};
        InputHash.ChecksumLists lists = new InputHash.ChecksumLists() {
            @Override
            public String resolve(String checksum, String fileName, java.net.URI media) {
                return checksum;
            }

            @Override
            public String parent(String from) {
                return resolved[0];
            }
        };
        String first = InputHash.of(child, lists);
        assertEquals(first, InputHash.of(child, lists));
        resolved[0] = "parent:2 sha256:bbb";
        assertNotEquals(first, InputHash.of(child, lists), "the parent's channel moved: the child's inputs changed");
    }

    private static LoadedRecipe recipe(Path dir, String media) throws Exception {
        copyTree(HOME.resolve("recipes/tiny-linux"), dir.resolve("tiny-linux"));
        Path file = dir.resolve("hash-test.yaml");
        Files.writeString(file, Files.readString(HOME.resolve("recipes/tiny-linux.yaml"))
                .replace("name: tiny-linux", "name: hash-test").replace("    builtin: tinyinstall", media));
        return new RecipeLoader().load(file, Map.of());
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }
}
