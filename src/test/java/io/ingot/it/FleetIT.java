package io.ingot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.daemon.Daemon;
import io.ingot.daemon.DaemonConfig;
import io.ingot.daemon.DaemonTls;
import io.ingot.distribution.S3Clients;
import io.ingot.fleet.FleetNames;
import io.ingot.images.ImageStore;
import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuInstallation;
import io.ingot.tls.ClientTrust;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The build fleet with real parts: ingot serve's embedded broker (listening on TCP), two {@code ingot worker}
 * processes (their own JVMs, homes and images), a shared S3 bucket (s3proxy), three tiny-linux recipes. The
 * builds are queued before any worker exists and the broker is restarted with them queued; then one worker is
 * killed with SIGKILL in the middle of a build, whose request the other worker builds; the killed worker comes
 * back and reaps the QEMU it left. Every build ends as exactly one version, registered by the daemon from the
 * bucket, and nothing is left in the queue or running. All of it over TLS, as across hosts: the daemon serves
 * {@code --tls} with its self-made certificate (the same after the restart), the workers and this test pin it.
 */
class FleetIT {
    private static final String KEY_ID = "fleet-it-access";
    private static final String SECRET = "fleet-it-secret";
    private static final String BUCKET = "ingot-fleet";

    private final List<Process> workers = new ArrayList<>();
    private LocalS3 localS3;
    private Daemon daemon;
    private HttpClient http;
    private String fingerprint;

    @AfterEach
    void stop() throws Exception {
        for (Process p : workers) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        if (daemon != null) daemon.close();
        if (localS3 != null) localS3.close();
    }

    @Test
    void twoWorkersBuildThreeRecipesThroughAKilledWorkerAndABrokerRestart() throws Exception {
        Path root = TestImages.home().resolve("target/it-fleet");
        FileUtils.deleteDirectory(root.toFile());
        localS3 = LocalS3.start(KEY_ID, SECRET).bucket(BUCKET);
        S3Clients s3 = localS3.clients();

        Path recipes = root.resolve("recipes");
        List<String> names = List.of("fleet-a", "fleet-b", "fleet-c");
        for (String name : names) writeRecipe(recipes, name);
        IngotPaths paths = paths(root.resolve("daemon"));
        int brokerPort = freePort();
        DaemonConfig config = DaemonConfig.defaults().withListen("127.0.0.1", 0).withRecipes(recipes.toString(), null, 3)
                .withMaxConcurrentBuilds(0)
                .withBroker(new DaemonConfig.Broker(null, "tcp://127.0.0.1:" + brokerPort, 3, "s3://" + BUCKET + "/fleet"));

        // queued while no worker exists, through the API as users queue them
        DaemonTls tls = DaemonTls.choose(paths, config, null, null, Instant.now());
        fingerprint = tls.identity().fingerprint().toString();
        http = ClientTrust.of(null, fingerprint).httpClient().build();
        daemon = Daemon.start(paths, config, s3, tls.identity());
        String token = daemon.token().value();
        List<String> ids = new ArrayList<>();
        for (String name : names) {
            HttpResponse<String> r = post("/api/builds", "{\"recipe\": \"" + name + "\"}", token);
            assertEquals(202, r.statusCode(), r.body());
            ids.add(Json.MAPPER.readTree(r.body()).path("id").asText());
        }
        // the queue's count follows a committed send a moment later
        waitFor(Duration.ofSeconds(30), "the three requests on the broker's queue", () -> daemon.broker().messageCount(FleetNames.BUILDS) == 3, root);
        JsonNode queue = get("/api/queue");
        assertEquals(3, queue.path("queued").size(), queue.toString());
        assertTrue(queue.path("queued").get(0).path("waitingFor").asText().contains("none is connected"), queue.toString());

        // the broker (embedded in the daemon) restarts with the three builds queued: none is lost
        daemon.close();
        DaemonTls again = DaemonTls.choose(paths, config, null, null, Instant.now());
        assertEquals(fingerprint, again.identity().fingerprint().toString(), "the pinned certificate is the same after a restart");
        daemon = Daemon.start(paths, config, s3, again.identity());
        assertTrue(daemon.broker().tls());
        assertEquals(3, daemon.broker().messageCount(FleetNames.BUILDS), "the broker's journal kept the queued builds");
        Set<String> queued = new TreeSet<>();
        get("/api/queue").path("queued").forEach(j -> queued.add(j.path("id").asText()));
        assertEquals(new TreeSet<>(ids), queued);

        String brokerUrl = "tcp://127.0.0.1:" + brokerPort;
        Process a = worker(root, "a", brokerUrl, token);
        worker(root, "b", brokerUrl, token);
        waitFor(Duration.ofMinutes(2), "both workers to announce themselves", () -> aliveWorkers().size() == 2, root);
        JsonNode listed = get("/api/workers");
        // the accelerator this host's probe finds (kvm or tcg), not a fixed one
        String accel = AcceleratorProbe.forIngot(QemuInstallation.detect(), paths).resolve("auto").name();
        for (JsonNode w : listed) {
            Set<String> labels = new TreeSet<>();
            w.path("labels").forEach(l -> labels.add(l.asText()));
            assertTrue(labels.contains(accel) && labels.contains("x86_64") && labels.contains("s3"), accel + ": " + w);
        }

        // worker a is killed in the middle of a build, its QEMU running
        String[] held = new String[1];
        waitFor(Duration.ofMinutes(3), "worker a to run a build's VM", () -> {
            JsonNode running = buildOf("a");
            if (running == null || Set.of("prepare", "answer-server", "answer-files", "media", "create-disk", "installer-vm", "preparing")
                    .contains(running.path("stage").asText())) return false;
            held[0] = running.path("id").asText();
            return !TestImages.qemuProcessesMentioning(root.resolve("a").toString()).isEmpty();
        }, root);
        List<String> orphans = TestImages.qemuProcessesMentioning(root.resolve("a").toString());
        a.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook, no cleanup
        assertFalse(a.isAlive());
        assertFalse(orphans.isEmpty());
        String killed = held[0];

        waitFor(Duration.ofMinutes(4), "the killed worker's build to run on worker b", () -> {
            JsonNode b = get("/api/builds/" + killed);
            return "b".equals(b.path("worker").asText()) || "succeeded".equals(b.path("state").asText());
        }, root);
        waitFor(Duration.ofMinutes(3), "the daemon's copy of the log to grow while worker b builds", () -> {
            JsonNode b = get("/api/builds/" + killed);
            return "running".equals(b.path("state").asText()) && "b".equals(b.path("worker").asText())
                    && getText("/api/builds/" + killed + "/log").contains("it-fleet/b/.ingot/fleet/" + killed);
        }, root);
        Process a2 = worker(root, "a", brokerUrl, token); // worker a comes back: its recovery reaps what it left
        waitFor(Duration.ofMinutes(1), "worker a's leftover QEMU to be reaped when it came back",
                () -> orphans.stream().noneMatch(o -> ProcessHandle.of(Long.parseLong(o.split(" ")[0])).map(ProcessHandle::isAlive).orElse(false)), root);

        waitFor(Duration.ofMinutes(6), "the three builds to end", () -> ids.stream().allMatch(id -> {
            String state = get("/api/builds/" + id).path("state").asText();
            return state.equals("succeeded") || state.equals("failed");
        }), root);

        ImageStore store = ImageStore.open(paths);
        for (int i = 0; i < names.size(); i++) {
            JsonNode build = get("/api/builds/" + ids.get(i));
            assertEquals("succeeded", build.path("state").asText(), build.toString());
            List<TemplateVersion> versions = store.catalog().versions(names.get(i));
            assertEquals(1, versions.size(), "exactly one version of " + names.get(i) + ": " + versions);
            assertEquals(ids.get(i), versions.get(0).buildId(), "the version is the build's");
            assertEquals(versions.get(0).version(), store.catalog().channels(names.get(i)).get("latest"));
            assertTrue(Files.isRegularFile(store.storages().get("local").locate(names.get(i), versions.get(0).version()).orElseThrow().baseImage().path()));
            assertEquals(1, versionsInBucket(s3, names.get(i)).size(), "one version of " + names.get(i) + " in the bucket");
        }
        JsonNode redone = get("/api/builds/" + killed);
        assertEquals("b", redone.path("worker").asText(), "the killed worker's build completed on the other: " + redone);
        assertEquals(2, redone.path("attempts").asInt(), redone.toString());
        assertTrue(getText("/api/builds/" + killed + "/log").contains("finished in"), "the worker's log reached the daemon");

        JsonNode after = get("/api/queue");
        assertEquals(0, after.path("queued").size(), after.toString());
        assertEquals(0, after.path("running").size(), after.toString());
        assertEquals(0, after.path("deadLetters").size(), after.toString());
        assertEquals(0, daemon.broker().messageCount(FleetNames.BUILDS), "nothing left in the queue");
        assertTrue(Files.readString(root.resolve("a.log")).contains("recovery: build " + killed + " was interrupted"),
                "worker a said what it cleaned when it came back");
        assertTrue(a2.isAlive());
        waitFor(Duration.ofSeconds(30), "no QEMU left by the fleet",
                () -> TestImages.qemuProcessesMentioning(root.toString()).isEmpty(), root);
    }

    private static void writeRecipe(Path recipes, String name) throws IOException {
        FileUtils.copyDirectory(TestImages.home().resolve("recipes/tiny-linux").toFile(), recipes.resolve("tiny-linux").toFile());
        // no RAM template: the fleet is about builds and delivery, and a 256 MiB memory file per push costs time here
        Files.writeString(recipes.resolve(name + ".yaml"), Files.readString(TestImages.home().resolve("recipes/tiny-linux.yaml"))
                .replace("name: tiny-linux", "name: " + name)
                .replace("  ram: true", "  ram: false")
                .replaceAll("(?s)\nschedule:.*", "\n"));
    }

    private Process worker(Path root, String name, String broker, String token) throws IOException {
        Path images = root.resolve(name);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.ingot.cli.Main", "worker", "--broker", broker,
                "--s3", "s3://" + BUCKET + "/fleet", "--name", name, "--concurrency", "1", "--tls-fingerprint", fingerprint);
        Map<String, String> env = pb.environment();
        env.putAll(localS3.env());
        env.put("INGOT_HOME", TestImages.home().toString());
        env.put("INGOT_IMAGES", images.toString());
        env.put("INGOT_CACHE", TestImages.paths().cache().toString());
        env.put("INGOT_TOKEN", token);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve(name + ".log").toFile()));
        Process p = pb.start();
        workers.add(p);
        return p;
    }

    private static IngotPaths paths(Path images) {
        return new IngotPaths(TestImages.home(), images, TestImages.paths().cache(), images.resolve(".ingot"));
    }

    private List<String> aliveWorkers() {
        List<String> out = new ArrayList<>();
        for (JsonNode w : get("/api/workers")) if (w.path("alive").asBoolean()) out.add(w.path("name").asText());
        return out;
    }

    /** The build a worker runs now (from its heartbeat), or null. */
    private JsonNode buildOf(String worker) {
        for (JsonNode w : get("/api/workers")) {
            if (w.path("name").asText().equals(worker) && w.path("builds").size() > 0) return w.path("builds").get(0);
        }
        return null;
    }

    /** The version numbers of a template in the bucket (folders with a manifest). */
    private static Set<String> versionsInBucket(S3Clients s3, String name) {
        try (S3Client c = s3.create()) {
            Set<String> out = new TreeSet<>();
            for (S3Object o : c.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("fleet/" + name + "/")).contents()) {
                if (o.key().endsWith("/manifest.json")) out.add(o.key());
            }
            return out;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private JsonNode get(String path) {
        try {
            return Json.MAPPER.readTree(getText(path));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String getText(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + daemon.port() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> post(String path, String body, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + daemon.port() + path))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits; on a timeout the failure carries the queue, the workers and the end of each worker's log. */
    private void waitFor(Duration limit, String what, Supplier<Boolean> condition, Path root) throws Exception {
        Instant end = Instant.now().plus(limit);
        while (!condition.get()) {
            if (Instant.now().isAfter(end)) {
                StringBuilder sb = new StringBuilder("timed out after " + limit + " waiting for " + what);
                sb.append("\nqueue: ").append(getText("/api/queue")).append("\nworkers: ").append(getText("/api/workers"));
                for (String w : List.of("a", "b")) {
                    Path log = root.resolve(w + ".log");
                    if (Files.isRegularFile(log)) {
                        List<String> lines = Files.readAllLines(log);
                        sb.append("\n--- ").append(log).append(" ---\n")
                                .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
                    }
                }
                fail(sb.toString());
            }
            Thread.sleep(1000);
        }
    }
}
