package io.ingot.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build route with stages that only record what they are asked to do: the order, the choices, the [n/N]
 * numbers, cleanup in reverse order as --on-error says, timings.json and the failure message.
 */
class PipelineTest {
    private static final List<String> EVENTS = Collections.synchronizedList(new ArrayList<>());
    private static volatile String failAt;
    private static BuildEngine engine;
    private static Path home;

    /** Records run and cleanup; fails in run when it is {@link #failAt}. */
    private record Recording(String name) implements Stage {
        @Override
        public void run(BuildContext build) {
            EVENTS.add("run " + name);
            if (name.equals(failAt)) throw new IllegalStateException("boom in " + name);
        }

        @Override
        public void cleanup(BuildContext build) {
            EVENTS.add("cleanup " + name);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("ingot-pipeline-test");
        List<Stage> stages = new ArrayList<>();
        for (String name : RoutePlan.load("file:routes/build.camel.yaml").stageNames()) stages.add(new Recording(name));
        engine = new BuildEngine(new Stages(stages));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private BuildContext build(String recipe, OnError onError, String failing) throws Exception {
        EVENTS.clear();
        failAt = failing;
        IngotPaths paths = new IngotPaths(home, home.resolve("images"), home.resolve("cache"), home.resolve("state"));
        LoadedRecipe r = new RecipeLoader().load(Path.of("src/test/resources/recipes/good/" + recipe + ".yaml"), Map.of());
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return engine.runner(paths).run(r, new BuildOptions(onError, console));
    }

    private static List<String> events(String kind) {
        return EVENTS.stream().filter(e -> e.startsWith(kind + " ")).map(e -> e.substring(kind.length() + 1)).toList();
    }

    @Test
    void runsTheRouteInOrderSkippingWhatTheRecipeDoesNotAskForAndCleansUpInReverse() throws Exception {
        BuildContext b = build("minimal", OnError.CLEANUP, null);
        List<String> ran = events("run");
        assertEquals(List.of("recovery", "qemu", "runtime-dir", "build-key", "answer-server", "answer-files", "media",
                "create-disk", "installer-vm", "boot-command", "wait-install", "installed-vm", "wait-ssh", "provision", "sbom",
                "seal", "shutdown", "template", "publish"), ran, "minimal has no publish.gate, no RAM template and no verify checks");
        List<String> reversed = new ArrayList<>(ran);
        Collections.reverse(reversed);
        assertEquals(reversed, events("cleanup"));
        assertEquals(ran, b.plan());
        String log = Files.readString(b.buildDir().resolve("build.log"));
        assertTrue(log.contains("==> [1/19] recovery (at "), log);
        assertTrue(log.contains("==> [19/19] publish done in "), log);
        JsonNode timings = Json.MAPPER.readTree(b.buildDir().resolve("timings.json").toFile()).path("stages");
        assertEquals(19, timings.size());
        timings.forEach(t -> assertEquals("ok", t.path("status").asText()));
        assertEquals(null, b.failure());
        assertFalse(Files.exists(b.buildDir().resolve(BuildOwner.FILE_NAME)), "the owner mark goes at the end");
    }

    @Test
    void optionalStagesRunWhenTheRecipeAsks() throws Exception {
        BuildContext b = build("full", OnError.CLEANUP, null);
        List<String> ran = events("run");
        assertEquals(List.of("shutdown", "capture-boot", "template", "ram-template", "verify", "publish"), ran.subList(ran.size() - 6, ran.size()));
        assertEquals(22, b.plan().size());
    }

    @Test
    void aFailedStageEndsTheBuildAndTheStagesThatRanCleanUpInReverse() throws Exception {
        BuildContext b = build("minimal", OnError.CLEANUP, "seal");
        List<String> ran = events("run");
        assertEquals("seal", ran.get(ran.size() - 1), "nothing runs after the failed stage");
        List<String> reversed = new ArrayList<>(ran);
        Collections.reverse(reversed);
        assertEquals(reversed, events("cleanup"), "the failed stage cleans up too, first");
        StageFailure f = assertInstanceOf(StageFailure.class, b.failure());
        assertEquals("seal", f.stage());
        assertEquals("stage seal failed: boom in seal", f.getMessage());
        JsonNode timings = Json.MAPPER.readTree(b.buildDir().resolve("timings.json").toFile()).path("stages");
        assertEquals("failed", timings.get(timings.size() - 1).path("status").asText());
        String log = Files.readString(b.buildDir().resolve("build.log"));
        assertTrue(log.contains("FAILED after"), log);
    }

    @Test
    void onErrorAbortLeavesEverythingInPlace() throws Exception {
        BuildContext b = build("minimal", OnError.ABORT, "provision");
        assertEquals(List.of(), events("cleanup"));
        assertTrue(Files.readString(b.buildDir().resolve("build.log")).contains("--on-error=abort left everything in place"));
    }
}
