package io.ingot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.daemon.Daemon;
import io.ingot.daemon.DaemonConfig;
import io.ingot.daemon.ScheduleStates;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import org.apache.commons.io.FileUtils;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * recipes/tiny-linux-web.yaml, made {@code from: tiny-linux@latest}, built by the daemon's schedule (every 5 s
 * here, {@code when: changed}) from the run's tiny-linux template: its version records its lineage down to
 * tiny-linux's media and stands on its own; moving tiny-linux@latest marks it "parent moved" and rebuilds it
 * from the new parent; revoking that parent with {@code cascade} revokes the child built from it.
 */
class DerivedTemplateIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aChildRecordsItsLineageAndIsRebuiltWhenItsParentsChannelMoves() throws Exception {
        TestImages.tinyLinux();
        TemplateVersion shared = TestImages.store().catalog().resolve(io.ingot.template.TemplateRef.parse("tiny-linux@latest"));
        Path sharedBase = TestImages.store().storages().get("local").locate("tiny-linux", shared.version()).orElseThrow().baseImage().path();
        Path root = TestImages.home().resolve("target/it-derived");
        FileUtils.deleteDirectory(root.toFile());
        IngotPaths paths = new IngotPaths(TestImages.home(), root.resolve("images"), TestImages.paths().cache(), root.resolve("images/.ingot"));
        ImageStore store = ImageStore.open(paths);
        // the parent: the run's tiny-linux, published here (its base image and manifest, without the RAM template)
        Manifest parentManifest = shared.manifest().withRam(null).withSbom(null);
        TemplateVersion parent1 = store.publisher().publish(new PublishRequest("tiny-linux", sharedBase, "qcow2", false,
                parentManifest, List.of("local"), "latest"));
        Path recipes = root.resolve("recipes");
        Files.createDirectories(recipes);
        Files.copy(TestImages.home().resolve("recipes/tiny-linux-web.yaml"), recipes.resolve("tiny-linux-web.yaml"));

        try (Daemon daemon = Daemon.start(paths, DaemonConfig.defaults().withListen("127.0.0.1", 0)
                .withRecipes(recipes.toString(), "0/5 * * * * ?", 3))) {
            String base = "http://127.0.0.1:" + daemon.port();
            waitFor(Duration.ofMinutes(4), "the first build of tiny-linux-web", () -> store.catalog().versions("tiny-linux-web").size() == 1);
            TemplateVersion child1 = store.catalog().versions("tiny-linux-web").get(0);
            Manifest m = child1.manifest();
            assertEquals("tiny-linux@latest", m.from());
            assertEquals(parent1.ref(), m.parent());
            assertEquals(1, m.lineage().size(), m.lineage().toString());
            Manifest.Ancestor a = m.lineage().get(0);
            assertEquals(parent1.ref(), a.ref());
            assertEquals(parent1.manifest().disk().sha256(), a.sha256(), "the parent's sha256");
            assertEquals(shared.manifest().mediaChecksum(), a.mediaChecksum(), "down to the media the parent was installed from");
            Path childBase = store.storages().get("local").locate("tiny-linux-web", child1.version()).orElseThrow().baseImage().path();
            assertNull(new QemuImg().info(childBase, "qcow2").backingFilename(), "flattened: the child's base image stands on its own");

            JsonNode v1 = json(base + "/api/templates/tiny-linux-web/versions/" + child1.version());
            assertEquals(parent1.ref(), v1.path("parent").asText());
            assertFalse(v1.path("parentMoved").asBoolean(), v1.toString());
            assertEquals("tiny-linux", json(base + "/api/templates/tiny-linux-web").path("parent").asText());
            assertEquals("tiny-linux-web", json(base + "/api/templates/tiny-linux").path("children").get(0).asText());
            waitFor(Duration.ofSeconds(30), "a scheduled run that skips the unchanged child",
                    () -> String.valueOf(new ScheduleStates(paths.state()).get("tiny-linux-web").lastResult()).contains("unchanged"));

            // the parent's channel moves: the child is marked, and rebuilt from the new parent
            TemplateVersion parent2 = store.publisher().publish(new PublishRequest("tiny-linux", sharedBase, "qcow2", false,
                    parentManifest, List.of("local"), "latest"));
            assertTrue(json(base + "/api/templates/tiny-linux-web/versions/" + child1.version()).path("parentMoved").asBoolean());
            String listing = cli(paths, "templates");
            assertTrue(listing.contains("└ tiny-linux-web") && listing.contains(parent1.ref() + " (parent moved)"), listing);
            waitFor(Duration.ofMinutes(4), "the rebuild from the moved parent", () -> store.catalog().versions("tiny-linux-web").size() == 2);
            TemplateVersion child2 = store.catalog().versions("tiny-linux-web").get(1);
            assertEquals(parent2.ref(), child2.manifest().parent());
            assertFalse(json(base + "/api/templates/tiny-linux-web/versions/" + child2.version()).path("parentMoved").asBoolean());
            // the daemon recorded what the rebuild changed from the version it replaces: the same packages, another parent
            String v2 = base + "/api/templates/tiny-linux-web/versions/" + child2.version();
            waitFor(Duration.ofSeconds(30), "the rebuild's recorded changes", () -> {
                try {
                    return json(v2).path("changes").isObject();
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode changes = json(v2).path("changes");
            assertEquals(child1.ref(), changes.path("against").asText(), changes.toString());
            assertEquals("+0 -0 ~0 packages", changes.path("summary").asText(), changes.toString());
            assertTrue(changes.path("diff").path("facts").toString().contains("{\"name\":\"parent\",\"from\":\"" + parent1.ref()
                    + "\",\"to\":\"" + parent2.ref() + "\"}"), changes.toString());
            assertTrue(json(v2).path("packages").asInt() >= 1, "the child's SBOM lists at least its kernel");

            // revoking the new parent with cascade revokes the child built from it, not the older one
            HttpResponse<String> revoked = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/templates/tiny-linux/versions/"
                            + parent2.version() + "/revoke")).header("Authorization", "Bearer " + daemon.token().value())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"cascade\": true}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, revoked.statusCode(), revoked.body());
            assertEquals(child2.ref(), Json.MAPPER.readTree(revoked.body()).path("cascaded").get(0).asText(), revoked.body());
            assertTrue(store.catalog().version("tiny-linux-web", child2.version()).orElseThrow().revoked());
            assertFalse(store.catalog().version("tiny-linux-web", child1.version()).orElseThrow().revoked());
        }
    }

    @Test
    void aReadyDiskImageIsBootedProvisionedAndFlattenedLikeACloudImage() throws Exception {
        TestImages.tinyLinux();
        TemplateVersion shared = TestImages.store().catalog().resolve(io.ingot.template.TemplateRef.parse("tiny-linux@latest"));
        Path sharedBase = TestImages.store().storages().get("local").locate("tiny-linux", shared.version()).orElseThrow().baseImage().path();
        Path root = TestImages.home().resolve("target/it-disk-image");
        FileUtils.deleteDirectory(root.toFile());
        IngotPaths paths = new IngotPaths(TestImages.home(), root.resolve("images"), TestImages.paths().cache(), root.resolve("images/.ingot"));
        // tiny-linux's base image stands in for a distribution's cloud image: a sealed disk that takes its keys from a NoCloud seed
        Files.createDirectories(root.resolve("recipes"));
        Files.copy(sharedBase, root.resolve("recipes/cloud.qcow2"));
        Files.writeString(root.resolve("recipes/disk-web.yaml"), Files.readString(TestImages.home().resolve("recipes/tiny-linux-web.yaml"))
                .replace("name: tiny-linux-web", "name: disk-web")
                .replace("from: tiny-linux@latest", "media:\n  disk:\n    path: cloud.qcow2\n    format: qcow2\n    checksum: sha256:"
                        + shared.manifest().disk().sha256())
                .replace("grep -q tiny-linux-web", "grep -q built"));
        String out = cli(paths, "build", root.resolve("recipes/disk-web.yaml").toString());
        assertTrue(out.contains("no installer: the disk is a disk image"), out);
        TemplateVersion v = ImageStore.open(paths).catalog().resolve(io.ingot.template.TemplateRef.parse("disk-web"));
        assertEquals("sha256:" + shared.manifest().disk().sha256(), v.manifest().mediaChecksum());
        assertNull(v.manifest().parent());
        Path base = ImageStore.open(paths).storages().get("local").locate("disk-web", v.version()).orElseThrow().baseImage().path();
        assertNull(new QemuImg().info(base, "qcow2").backingFilename(), "flattened: the image it came from is not needed any more");
    }

    /** {@code ingot ARGS} in its own process on these images. */
    private static String cli(IngotPaths paths, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.ingot.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("INGOT_HOME", paths.home().toString());
        pb.environment().put("INGOT_IMAGES", paths.images().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static JsonNode json(String url) throws Exception {
        return Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static void waitFor(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        Instant end = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) fail("timed out after " + limit + " waiting for " + what);
            Thread.sleep(1000);
        }
    }
}
