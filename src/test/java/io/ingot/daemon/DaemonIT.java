package io.ingot.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.Puller;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.it.TestImages;
import io.ingot.pipeline.BuildContext;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import io.ingot.vm.RunningClone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The daemon's API, page and pull against the run's shared tiny-linux template: a daemon on the shared
 * images, a second one on empty images that pulls from it (interrupted halfway, resumed) and boots a
 * linked clone of what it pulled.
 */
class DaemonIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static BuildContext build;
    private static TemplateVersion shared;
    private static Daemon daemon;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        build = TestImages.tinyLinux();
        shared = TestImages.store().catalog().versions("tiny-linux").stream()
                .filter(v -> build.buildId().equals(v.buildId())).findFirst().orElseThrow();
        Path noRecipes = TestImages.home().resolve("target/it-recipes/daemon-none");
        Files.createDirectories(noRecipes);
        daemon = Daemon.start(TestImages.paths(), DaemonConfig.defaults().withListen("127.0.0.1", 0)
                .withRecipes(noRecipes.toString(), null, 3));
        base = "http://127.0.0.1:" + daemon.port();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) daemon.close();
    }

    @Test
    void readsAreOpenOnLoopbackAndWritesNeedTheToken() throws Exception {
        JsonNode templates = json(get("/api/templates"));
        assertTrue(templates.findValuesAsText("ref").contains("tiny-linux:" + shared.version()), templates.toString());

        HttpResponse<String> noToken = post("/api/templates/tiny-linux/channels/x", "{\"version\": 1}", null);
        assertEquals(401, noToken.statusCode(), noToken.body());
        assertEquals(401, post("/api/builds", "{\"recipe\": \"tiny-linux\"}", "wrong-token").statusCode());
        assertEquals(401, post("/api/schedules/tiny-linux/resume", "", null).statusCode());

        String token = daemon.token().value();
        assertEquals(token, ApiToken.read(TestImages.paths().state()));
        for (String path : List.of("/api/templates/../../catalog.db", "/api/templates/..%2f..%2fcatalog.db",
                "/api/templates/tiny-linux/versions/1/files/..%2Fmanifest.json", "/api/builds/..%2e/log",
                "/api/templates/%2e%2e/versions")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), path + " -> " + r.body());
        }
        assertEquals(400, post("/api/builds", "{\"recipe\": \"../etc\"}", token).statusCode());
        assertEquals(400, post("/api/templates/tiny-linux/channels/..evil", "{\"version\": 1}", token).statusCode());
        assertEquals(404, post("/api/builds", "{\"recipe\": \"no-such-recipe\"}", token).statusCode());
        UserError bad = assertThrows(UserError.class, () -> new Puller(TestImages.store(), null, quiet(), -1)
                .pull(URI.create(base), "../tiny-linux", "local"));
        assertTrue(bad.getMessage().contains("bad template name"), bad.getMessage());

        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("ingot_builds_queued 0") && metrics.contains("# TYPE ingot_builds_running gauge")
                && metrics.contains("jvm_threads_live_threads"), metrics);

        JsonNode info = json(get("/api/builds/" + build.buildId()));
        assertEquals("succeeded", info.path("state").asText(), info.toString());
        assertTrue(info.path("stages").size() >= 10, "stage timings of the build: " + info);
        assertTrue(get("/api/builds/" + build.buildId() + "/log?follow=1").body().contains("finished in"));
    }

    @Test
    void rangeDownloadsCarryTheSha256() throws Exception {
        int v = shared.version();
        Manifest m = shared.manifest();
        String url = "/api/templates/tiny-linux/versions/" + v + "/files/" + m.disk().file();
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + url)).header("Range", "bytes=100-199").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, r.statusCode());
        assertEquals("bytes 100-199/" + m.disk().actualSize(), r.headers().firstValue("Content-Range").orElse(null));
        assertEquals(m.disk().sha256(), r.headers().firstValue("X-Checksum-Sha256").orElse(null));
        Path disk = TestImages.store().storages().get("local").locate("tiny-linux", v).orElseThrow().baseImage().path();
        byte[] expected = new byte[100];
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "r")) {
            f.seek(100);
            f.readFully(expected);
        }
        assertArrayEquals(expected, r.body());
        HttpResponse<String> beyond = HTTP.send(HttpRequest.newBuilder(URI.create(base + url))
                .header("Range", "bytes=" + m.disk().actualSize() + "-").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(416, beyond.statusCode());
    }

    @Test
    void revokedVersionStaysListedAndChannelsNeverResolveToIt() throws Exception {
        ImageStore store = TestImages.store();
        Path sharedBase = store.storages().get("local").locate("tiny-linux", shared.version()).orElseThrow().baseImage().path();
        TemplateVersion v1 = store.publisher().publish(new PublishRequest("daemon-it", sharedBase, "qcow2", false, Manifest.empty(), List.of("local"), "latest"));
        TemplateVersion v2 = store.publisher().publish(new PublishRequest("daemon-it", sharedBase, "qcow2", false, Manifest.empty(), List.of("local"), "latest"));
        store.clones().clone(v2.ref(), "daemon-it-c", new CloneOptions(true, null, null, List.of()));
        try {
            String token = daemon.token().value();
            assertEquals(401, post("/api/templates/daemon-it/versions/" + v2.version() + "/revoke", "", null).statusCode());
            HttpResponse<String> revoked = post("/api/templates/daemon-it/versions/" + v2.version() + "/revoke", "", token);
            assertEquals(200, revoked.statusCode(), revoked.body());
            JsonNode t = json(get("/api/templates/daemon-it"));
            assertTrue(t.path("versions").get(1).path("revoked").asBoolean(), t.toString());
            assertEquals(1, t.path("versions").get(1).path("clones").asInt(), "the clone of the revoked version is still there");
            HttpResponse<String> atLatest = get("/api/resolve/daemon-it@latest");
            assertTrue(atLatest.statusCode() >= 400 && atLatest.body().contains("revoked"), atLatest.body());
            assertEquals(v1.version(), json(get("/api/resolve/daemon-it")).path("version").asInt(), "NAME skips the revoked version");
            assertEquals(409, post("/api/templates/daemon-it/channels/stable", "{\"version\": " + v2.version() + "}", token).statusCode());
            HttpResponse<String> promoted = post("/api/templates/daemon-it/channels/stable", "{\"version\": " + v1.version() + "}", token);
            assertEquals(200, promoted.statusCode(), promoted.body());
            assertEquals(v1.version(), store.catalog().resolve(TemplateRef.parse("daemon-it@stable")).version());
            assertTrue(Files.isRegularFile(store.storages().get("local").locateClone("daemon-it-c").orElseThrow().disk().path()),
                    "the linked clone of the revoked version keeps its disk");
        } finally {
            store.clones().remove("daemon-it-c");
            store.versions().remove("daemon-it", v2.version(), true);
            store.versions().remove("daemon-it", v1.version(), true);
        }
    }

    @Test
    void pullFromAnotherDaemonResumesVerifiesAndClones() throws Exception {
        Path imagesB = TestImages.home().resolve("target/it-images-pull");
        deleteTree(imagesB);
        IngotPaths pathsB = new IngotPaths(TestImages.home(), imagesB, TestImages.paths().cache(), imagesB.resolve(".ingot"));
        try (Daemon b = Daemon.start(pathsB, DaemonConfig.defaults().withListen("127.0.0.1", 0)
                .withRecipes(TestImages.home().resolve("target/it-recipes/daemon-none").toString(), null, 3))) {
            ImageStore storeB = ImageStore.open(pathsB);
            io.ingot.trust.Signed.enrol(TestImages.store().trust(), storeB.trust()); // the daemon pulled from is trusted here
            int v = shared.version();
            long half = shared.manifest().disk().actualSize() / 2;
            IOException cut = assertThrows(IOException.class,
                    () -> new Puller(storeB, null, quiet(), half).pull(URI.create(base), "tiny-linux:" + v, "local"));
            assertTrue(cut.getMessage().contains("interrupted"), cut.getMessage());
            // two files come at a time: what the cut left is spread over their part files
            long kept;
            try (Stream<Path> parts = Files.walk(pathsB.state().resolve("pull/tiny-linux-" + v))) {
                kept = parts.filter(p -> p.toString().endsWith(".part")).mapToLong(p -> p.toFile().length()).sum();
            }
            assertTrue(kept > 0, "the cut download's part files are on disk");
            assertTrue(storeB.catalog().templateNames().isEmpty(), "nothing registered before the pull completes");

            // a file left complete by an earlier pull, but not what the daemon lists: checked, fetched again
            Path leftover = pathsB.state().resolve("pull/tiny-linux-" + v + "/" + io.ingot.template.Manifest.FILE_NAME);
            Files.writeString(leftover, "{\"name\": \"tiny-linux\", \"version\": " + v + ", \"disk\": {\"file\": \"/etc/passwd\"}}");
            java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
            Puller.Result r = new Puller(storeB, null, new PrintStream(said, true), -1).pull(URI.create(base), "tiny-linux:" + v, "local");
            assertTrue(said.toString().contains("manifest.json: the copy from an earlier pull differs; fetching it again"), said.toString());
            assertTrue(r.resumedFrom() >= kept, "resumed from " + r.resumedFrom() + " bytes, " + kept + " kept");
            assertFalse(Files.exists(leftover.getParent()), "the pull folder is gone once the version is registered");
            long total = shared.manifest().disk().actualSize();
            var ram = shared.manifest().ram();
            if (ram != null) total += ram.memoryFile().size() + ram.stateFile().size() + ram.captureOverlay().size();
            assertTrue(r.downloaded() < total, "fetched only the rest: " + r.downloaded() + " of " + total);
            TemplateVersion pulled = storeB.catalog().resolve(TemplateRef.parse("tiny-linux"));
            assertEquals(v, pulled.version());
            assertEquals(shared.manifest().disk().sha256(), pulled.manifest().disk().sha256());
            assertEquals(Json.MAPPER.readTree(shared.manifest().toJson()), Json.MAPPER.readTree(pulled.manifest().toJson()),
                    "the manifest came along whole: build, files, lineage");
            if (ram != null) {
                Path memory = storeB.storages().get("local").locate("tiny-linux", v).orElseThrow().dir().resolve(ram.memoryFile().file());
                assertEquals(ram.memoryFile().sha256(), Sha256.of(memory), "the RAM template came along");
                // sparse at the source, sparse here: the daemon listed its data extents and the holes stayed holes
                long onDisk = Long.parseLong(io.ingot.util.Command.run(List.of("stat", "-c", "%b", memory.toString())).strip()) * 512;
                assertTrue(onDisk < Files.size(memory) * 3 / 4, "ram/memory takes " + onDisk + " bytes on disk of " + Files.size(memory));
            }
            assertEquals(shared.manifest().disk().sha256(), Sha256.of(
                    storeB.storages().get("local").locate("tiny-linux", v).orElseThrow().baseImage().path()));
            Path sbom = storeB.storages().get("local").locate("tiny-linux", v).orElseThrow().dir().resolve(shared.manifest().sbom().file());
            assertEquals(shared.manifest().sbom().sha256(), Sha256.of(sbom), "the SBOM came along");
            JsonNode listedByB = json(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/templates")).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertTrue(listedByB.findValuesAsText("ref").contains("tiny-linux:" + v), listedByB.toString());

            storeB.clones().clone("tiny-linux:" + v, "pulled-clone", new CloneOptions(true, null, null, List.of()));
            CloneInstances instances = new CloneInstances(storeB);
            RunningClone rc = instances.start("pulled-clone");
            try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", rc.sshPort(), "root",
                    BuildKey.load(storeB.accessKey().privateKeyPath()).keyPair(), Duration.ofMinutes(2))) {
                assertEquals("pulled-clone", ssh.run("hostname").strip());
                assertTrue(ssh.run("cat /etc/motd").contains("built by ingot"));
            } finally {
                instances.stop("pulled-clone", Duration.ofSeconds(20));
                storeB.clones().remove("pulled-clone");
            }
        }
    }

    @Test
    void pageShowsTheCatalogAndFollowsABuildLog() throws Exception {
        Path chromium = Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser").map(Path::of).filter(Files::isExecutable)
                .findFirst().orElse(null);
        assumeTrue(chromium != null, "chromium is not installed (apt-get install chromium): page test skipped");
        Path profile = Files.createTempDirectory("ingot-chromium");
        try {
            Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom",
                    base + "/#build=" + build.buildId())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String dom;
            try {
                dom = new String(p.getInputStream().readAllBytes());
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
            } finally {
                p.destroyForcibly();
            }
            assertTrue(dom.contains("data-template=\"tiny-linux:" + shared.version() + "\""), "template row: " + dom);
            assertTrue(dom.contains("Build log " + build.buildId()), "log title: " + dom);
            assertTrue(dom.contains("build " + build.buildId() + " of"), "the build's log is shown: " + dom);
            assertTrue(dom.contains("class=\"bar\""), "stage timings bar chart: " + dom);
        } finally {
            deleteTree(profile);
        }
    }

    // ---- helpers ----

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r.uri() + ": " + r.body());
        return io.ingot.util.Json.MAPPER.readTree(r.body());
    }

    private static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
