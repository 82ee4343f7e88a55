package io.ingot.recipe;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeLoaderTest {
    private static final Path FULL = Path.of("src/test/resources/recipes/good/full.yaml");
    private final RecipeLoader loader = new RecipeLoader();

    @Test
    void bindsEveryFieldIncludingRenamedOnes() {
        LoadedRecipe loaded = loader.load(FULL, Map.of());
        Recipe r = loaded.recipe();
        assertEquals("full-example", r.name());
        assertEquals(2, r.machine().cpus());
        assertEquals("nvme", r.machine().disk().iface());
        assertEquals("1m30s", r.boot().initialWait());
        assertEquals("1.2", r.variables().get("release").defaultValue());
        assertTrue(r.variables().get("password").isSensitive());
        assertEquals("scripts/setup.sh", r.media().initrd().path());
        assertEquals(4, r.provisioners().size());
        assertTrue(r.provisioners().get(1).expectsDisconnect());
        assertEquals(3, r.provisioners().get(0).retries());
        assertEquals(List.of("exit", "timeout"), r.provisioners().get(0).retryOn());
        assertEquals(List.of("timeout", "disconnect"), r.provisioners().get(1).retryOn(), "by default, only what a retry can pass");
        assertEquals(List.of("build-key", "host-keys", "machine-id"), r.seal().operations());
        assertTrue(r.template().ram());
        assertEquals(List.of("local", "nas"), r.publish().storage());
        assertEquals("15 2 * jan-jun mon-fri", r.schedule().cron());
        assertEquals(Duration.ofSeconds(90), io.ingot.util.Durations.parse(r.boot().initialWait()));
    }

    @Test
    void defaultsApplyToWhatTheRecipeLeavesOut() {
        Recipe r = loader.load(Path.of("src/test/resources/recipes/good/minimal.yaml"), Map.of()).recipe();
        assertEquals("tinyinstall", r.media().iso().builtin());
        assertEquals("auto", r.machine().accel());
        assertEquals(SealOperation.defaults(), r.seal().operations());
        assertEquals("latest", r.publish().channel());
        assertEquals(List.of("local"), r.publish().storage());
    }

    @Test
    void variablesMergeOverridesAndSensitiveValuesAreMasked() throws Exception {
        LoadedRecipe loaded = loader.load(FULL, Map.of("release", "2.0"));
        assertEquals(Map.of("release", "2.0", "password", "s3cret-value"), loaded.variables());
        assertEquals(Set.of("s3cret-value"), loaded.sensitiveValues());
        assertEquals("login with **** now", loaded.mask("login with s3cret-value now"));
        byte[] bytes = Files.readAllBytes(FULL);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), loaded.contentHash());
        assertEquals(FULL.toAbsolutePath().getParent().resolve("scripts/setup.sh"), loaded.resolve("scripts/setup.sh"));
    }

    @Test
    void anInvalidRecipeIsAUserErrorListingEveryProblem() {
        RecipeInvalid e = assertThrows(RecipeInvalid.class,
                () -> loader.load(Path.of("src/test/resources/recipes/bad/several-problems.yaml"), Map.of()));
        assertInstanceOf(UserError.class, e);
        assertEquals(3, e.problems().size());
        assertEquals(3, e.getMessage().lines().count());
        assertTrue(e.getMessage().lines().allMatch(l -> l.startsWith("src/test/resources/recipes/bad/several-problems.yaml:")));
    }

    @Test
    void anUnknownVarIsRefused() {
        RecipeInvalid e = assertThrows(RecipeInvalid.class, () -> loader.load(FULL, Map.of("relase", "3")));
        assertTrue(e.getMessage().contains("--var relase: the recipe has no variable 'relase' (did you mean 'release'?)"), e.getMessage());
    }
}
