package io.ingot.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.BuildRecord;
import io.ingot.images.ImageStore;
import io.ingot.it.TestImages;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real scheduled builds, the schedule firing every 5 seconds (the daemon's scheduleOverride): tiny-linux
 * is built once, then skipped while nothing changed, rebuilt after the recipe changes; a recipe whose
 * media cannot be fetched fails fast and pauses its schedule after two failures.
 */
class ScheduleIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void schedulesBuildOnChangeAndPauseAfterFailures() throws Exception {
        Path images = TestImages.home().resolve("target/it-images-schedule");
        deleteTree(images);
        IngotPaths paths = new IngotPaths(TestImages.home(), images, TestImages.paths().cache(), images.resolve(".ingot"));
        Path recipe = TestImages.variant("schedule", s -> s.replace("name: tiny-linux", "name: sched-linux"));
        Path recipes = recipe.getParent();
        Files.writeString(recipes.resolve("sched-fail.yaml"), Files.readString(recipe)
                .replace("name: sched-linux", "name: sched-fail")
                .replace("    builtin: tinyinstall", "    url: http://127.0.0.1:9/missing.iso\n    checksum: sha256:" + "0".repeat(64))
                .replace("when: changed", "when: always"));
        ImageStore store = ImageStore.open(paths);
        try (Daemon daemon = Daemon.start(paths, DaemonConfig.defaults().withListen("127.0.0.1", 0)
                .withRecipes(recipes.toString(), "0/5 * * * * ?", 2))) {
            String base = "http://127.0.0.1:" + daemon.port();

            waitFor(Duration.ofMinutes(5), "the first scheduled build of sched-linux", () -> store.catalog().versions("sched-linux").size() == 1);
            waitFor(Duration.ofSeconds(30), "a scheduled run that skips the unchanged recipe",
                    () -> String.valueOf(new ScheduleStates(paths.state()).get("sched-linux").lastResult()).contains("unchanged"));
            assertEquals(1, store.catalog().versions("sched-linux").size(), "nothing changed: no second build");
            assertEquals(1, builds(store, "sched-linux").size());
            String metrics = get(base + "/metrics");
            assertTrue(metrics.contains("ingot_schedule_skipped_total{recipe=\"sched-linux\"}"), metrics);

            Files.writeString(recipe, Files.readString(recipe).replace("built by ingot", "built by ingot, again"));
            waitFor(Duration.ofMinutes(5), "a rebuild after the recipe changed", () -> store.catalog().versions("sched-linux").size() == 2);
            // the version is registered a moment before the build's record is closed
            waitFor(Duration.ofSeconds(30), "the rebuild's record to be closed",
                    () -> builds(store, "sched-linux").stream().noneMatch(b -> b.status().equals("running")));
            assertTrue(builds(store, "sched-linux").stream().allMatch(b -> b.status().equals("succeeded")), builds(store, "sched-linux").toString());

            waitFor(Duration.ofMinutes(3), "the failing schedule to pause itself", () -> new ScheduleStates(paths.state()).get("sched-fail").paused());
            JsonNode schedules = io.ingot.util.Json.MAPPER.readTree(get(base + "/api/schedules"));
            JsonNode fail = find(schedules, "sched-fail");
            assertTrue(fail.path("paused").asBoolean(), schedules.toString());
            assertTrue(fail.path("pausedReason").asText().contains("2 consecutive failed builds"), fail.toString());
            Thread.sleep(11_000);
            assertEquals(2, builds(store, "sched-fail").size(), "a paused schedule builds no more");
            assertTrue(builds(store, "sched-fail").stream().allMatch(b -> b.status().equals("failed")));
            assertFalse(find(schedules, "sched-linux").path("paused").asBoolean());
            assertEquals(2, store.catalog().versions("sched-linux").size(), "still two versions: the edit was built once");

            assertEquals(401, post(base + "/api/schedules/sched-fail/resume", null).statusCode());
            HttpResponse<String> resumed = post(base + "/api/schedules/sched-fail/resume", daemon.token().value());
            assertEquals(200, resumed.statusCode(), resumed.body());
            assertFalse(new ScheduleStates(paths.state()).get("sched-fail").paused());
            assertEquals(0, new ScheduleStates(paths.state()).get("sched-fail").consecutiveFailures());
        }
    }

    private static List<BuildRecord> builds(ImageStore store, String recipe) {
        return store.catalog().builds().stream().filter(b -> b.recipe().equals(recipe)).toList();
    }

    private static JsonNode find(JsonNode schedules, String recipe) {
        for (JsonNode n : schedules) if (n.path("recipe").asText().equals(recipe)) return n;
        return fail("no schedule for " + recipe + " in " + schedules);
    }

    private static void waitFor(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        Instant end = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) fail("timed out after " + limit + " waiting for " + what);
            Thread.sleep(1000);
        }
    }

    private static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static HttpResponse<String> post(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
