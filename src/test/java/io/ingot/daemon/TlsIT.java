package io.ingot.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.distribution.S3Clients;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.it.IngotChild;
import io.ingot.it.LocalS3;
import io.ingot.it.TestImages;
import io.ingot.template.Manifest;
import io.ingot.tls.ClientTrust;
import io.ingot.tls.Fingerprint;
import io.ingot.tls.ServerIdentity;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code ingot serve --tls} as its users meet it, all on 127.0.0.1: a real daemon with its self-made
 * certificate, the real CLI in child JVMs ({@code ingot submit}, {@code ingot pull}, {@code ingot worker}), a real
 * Artemis acceptor on TLS. A wrong pinned fingerprint is refused with one line naming the certificate the
 * server showed, and nothing happens on the daemon; the right one (or the certificate as a CA file) works;
 * clients in clear are refused too.
 */
class TlsIT {
    private static final String BUCKET = "ingot-tls";

    private final List<Process> workers = new ArrayList<>();
    private Daemon daemon;
    private LocalS3 localS3;

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
    void theApiTakesThePinnedCertificateOnly() throws Exception {
        Path root = TestImages.home().resolve("target/it-tls-api");
        FileUtils.deleteDirectory(root.toFile());
        IngotPaths paths = paths(root.resolve("daemon"));
        ImageStore store = ImageStore.open(paths);
        Path disk = Files.createDirectories(root.resolve("work")).resolve("base.qcow2");
        assertEquals(0, new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "16M").inheritIO().start().waitFor());
        store.publisher().publish(new PublishRequest("tls-served", disk, "qcow2", false, Manifest.empty(), List.of("local"), "latest"));
        Path recipes = recipes(root, "tls-linux");
        DaemonConfig config = DaemonConfig.defaults().withListen("127.0.0.1", 0).withRecipes(recipes.toString(), null, 3).withMaxConcurrentBuilds(0);
        DaemonTls tls = DaemonTls.choose(paths, config, null, null, Instant.now());
        daemon = Daemon.start(paths, config, S3Clients.fromEnvironment(), tls.identity());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(paths.state().resolve("tls/key.pem"))));
        String base = "https://127.0.0.1:" + daemon.port();
        Fingerprint right = tls.identity().fingerprint();
        Fingerprint wrong = ServerIdentity.selfMade(root.resolve("impostor"), List.of("127.0.0.1"), Instant.now()).fingerprint();
        HttpClient pinned = ClientTrust.of(null, right.toString()).httpClient().build();

        // the daemon's own images: ingot submit reads the API token there
        IngotChild onDaemonHost = new IngotChild(TestImages.home(), paths.images(), TestImages.paths().cache());
        IngotChild.Result refused = onDaemonHost.run(Duration.ofMinutes(1), "submit", "tls-linux", "--url", base, "--tls-fingerprint", wrong.toString());
        assertEquals(2, refused.exitCode(), refused.toString());
        assertEquals("ingot: " + base + ": refused: the server's certificate is " + right + ", not the pinned " + wrong + " (check --tls-fingerprint)",
                lastLine(refused.output()), refused.toString());
        assertEquals(0, json(pinned, base + "/api/queue").path("queued").size(), "nothing was queued");

        IngotChild.Result plain = onDaemonHost.run(Duration.ofMinutes(1), "submit", "tls-linux", "--url", "http://127.0.0.1:" + daemon.port());
        assertEquals(2, plain.exitCode(), plain.toString());
        assertTrue(lastLine(plain.output()).contains("does it serve https://?"), plain.toString());

        IngotChild.Result queued = onDaemonHost.run(Duration.ofMinutes(1), "submit", "tls-linux", "--url", base, "--tls-fingerprint", right.toString());
        assertEquals(0, queued.exitCode(), queued.toString());
        assertTrue(queued.output().contains("queued build "), queued.toString());
        assertEquals(1, json(pinned, base + "/api/queue").path("queued").size());
        // on the daemon's host, its certificate file as the CA: the host name (127.0.0.1) is checked and is in it
        IngotChild.Result viaCa = onDaemonHost.run(Duration.ofMinutes(1), "submit", "tls-linux", "--url", base,
                "--tls-ca", paths.state().resolve("tls/cert.pem").toString());
        assertEquals(0, viaCa.exitCode(), viaCa.toString());
        assertTrue(viaCa.output().contains("already queued: build "), viaCa.toString());
        assertTrue(json(pinned, base + "/api/openapi.json").path("servers").get(0).path("url").asText().startsWith("https://"),
                "the OpenAPI document names the server with https");

        // another host's pull: refused with the wrong pin and nothing registered; pulled with the right one
        IngotChild elsewhere = new IngotChild(TestImages.home(), root.resolve("puller"), TestImages.paths().cache());
        IngotChild.Result badPull = elsewhere.run(Duration.ofMinutes(1), "pull", base, "tls-served", "--tls-fingerprint", wrong.toString());
        assertEquals(2, badPull.exitCode(), badPull.toString());
        assertEquals("ingot: 127.0.0.1:" + daemon.port() + ": refused: the server's certificate is " + right + ", not the pinned " + wrong
                + " (check --tls-fingerprint)", lastLine(badPull.output()), badPull.toString());
        IngotChild.Result noTrust = elsewhere.run(Duration.ofMinutes(1), "pull", base, "tls-served");
        assertEquals(2, noTrust.exitCode(), noTrust.toString());
        assertTrue(lastLine(noTrust.output()).contains("not signed by a CA we trust"), noTrust.toString());
        assertTrue(ImageStore.open(paths(root.resolve("puller"))).catalog().versions("tls-served").isEmpty());
        // the daemon's signing key, enrolled on the pulling host as an admin does it
        Path daemonKey = root.resolve("daemon-key.pem");
        Files.writeString(daemonKey, io.ingot.trust.KeyFiles.publicPem(ImageStore.open(paths).trust().siteKey().load().getPublic()));
        IngotChild.Result enrolled = elsewhere.run(Duration.ofMinutes(1), "key", "trust", daemonKey.toString());
        assertEquals(0, enrolled.exitCode(), enrolled.toString());
        IngotChild.Result pulled = elsewhere.run(Duration.ofMinutes(1), "pull", base, "tls-served", "--tls-fingerprint", right.toString());
        assertEquals(0, pulled.exitCode(), pulled.toString());
        assertTrue(pulled.output().contains("signed by key "), pulled.toString());
        assertTrue(pulled.output().contains("pulled tls-served:1"), pulled.toString());
        IngotChild.Result malformed = elsewhere.run(Duration.ofMinutes(1), "pull", base, "tls-served", "--tls-fingerprint", "sha256//abc=");
        assertEquals(2, malformed.exitCode(), malformed.toString());
        assertTrue(lastLine(malformed.output()).startsWith("ingot: --tls-fingerprint: expected SHA256:"), malformed.toString());
    }

    @Test
    void aWorkerJoinsTheTlsBrokerWithThePinnedCertificateOnly() throws Exception {
        Path root = TestImages.home().resolve("target/it-tls-fleet");
        FileUtils.deleteDirectory(root.toFile());
        localS3 = LocalS3.start("tls-it-access", "tls-it-secret").bucket(BUCKET);
        S3Clients s3 = localS3.clients();
        IngotPaths paths = paths(root.resolve("daemon"));
        int brokerPort = freePort();
        DaemonConfig config = DaemonConfig.defaults().withListen("127.0.0.1", 0).withRecipes(recipes(root, "tls-fleet").toString(), null, 3)
                .withMaxConcurrentBuilds(0)
                .withBroker(new DaemonConfig.Broker(null, "tcp://127.0.0.1:" + brokerPort, 3, "s3://" + BUCKET + "/fleet"));
        DaemonTls tls = DaemonTls.choose(paths, config, null, null, Instant.now());
        daemon = Daemon.start(paths, config, s3, tls.identity());
        assertTrue(daemon.broker().tls());
        Path token = root.resolve("token");
        Files.writeString(token, daemon.token().value());
        String broker = "tcp://127.0.0.1:" + brokerPort;
        Fingerprint right = tls.identity().fingerprint();
        Fingerprint wrong = ServerIdentity.selfMade(root.resolve("impostor"), List.of("127.0.0.1"), Instant.now()).fingerprint();

        Process refused = worker(root, "wrong", broker, token, "--tls-fingerprint", wrong.toString());
        assertTrue(refused.waitFor(2, TimeUnit.MINUTES), "the worker with the wrong pin ends");
        String refusedLog = Files.readString(root.resolve("wrong.log"));
        assertEquals(2, refused.exitValue(), refusedLog);
        assertEquals("ingot: 127.0.0.1:" + brokerPort + ": refused: the server's certificate is " + right + ", not the pinned " + wrong
                + " (check --tls-fingerprint)", lastLine(refusedLog), refusedLog);

        // nor does the acceptor take a worker in clear, which would send the token as its password unencrypted
        Process plain = worker(root, "plain", broker, token);
        assertTrue(plain.waitFor(2, TimeUnit.MINUTES), "the worker without TLS ends");
        String plainLog = Files.readString(root.resolve("plain.log"));
        assertEquals(2, plain.exitValue(), plainLog);
        assertTrue(lastLine(plainLog).startsWith("ingot: cannot connect to the build broker at " + broker), plainLog);
        assertTrue(lastLine(plainLog).endsWith("if the daemon serves --tls, give --tls-fingerprint or --tls-ca)"), plainLog);

        worker(root, "pinned", broker, token, "--tls-fingerprint", right.toString());
        // the certificate as a CA file: Artemis checks the host name (127.0.0.1, which the self-made certificate names)
        worker(root, "ca", broker, token, "--tls-ca", paths.state().resolve("tls/cert.pem").toString());
        HttpClient pinned = ClientTrust.of(null, right.toString()).httpClient().build();
        String workersUrl = "https://127.0.0.1:" + daemon.port() + "/api/workers";
        Instant end = Instant.now().plus(Duration.ofMinutes(3));
        while (!alive(json(pinned, workersUrl), "pinned") || !alive(json(pinned, workersUrl), "ca")) {
            if (Instant.now().isAfter(end)) {
                fail("the workers did not announce themselves: " + json(pinned, workersUrl) + "\n" + Files.readString(root.resolve("pinned.log"))
                        + "\n" + Files.readString(root.resolve("ca.log")));
            }
            Thread.sleep(1000);
        }
        assertFalse(alive(json(pinned, workersUrl), "wrong"));
        assertFalse(alive(json(pinned, workersUrl), "plain"));
        assertTrue(Files.readString(root.resolve("pinned.log")).contains("(TLS, pinned " + right + ")"));
    }

    private Process worker(Path root, String name, String broker, Path token, String... tls) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.ingot.cli.Main", "worker", "--broker", broker,
                "--s3", "s3://" + BUCKET + "/fleet", "--name", name, "--token-file", token.toString()));
        cmd.addAll(List.of(tls));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.putAll(localS3.env());
        env.put("INGOT_HOME", TestImages.home().toString());
        env.put("INGOT_IMAGES", root.resolve(name).toString());
        env.put("INGOT_CACHE", TestImages.paths().cache().toString());
        env.remove("INGOT_TOKEN");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve(name + ".log").toFile()));
        Process p = pb.start();
        workers.add(p);
        return p;
    }

    private static boolean alive(JsonNode workers, String name) {
        for (JsonNode w : workers) if (w.path("name").asText().equals(name) && w.path("alive").asBoolean()) return true;
        return false;
    }

    private static Path recipes(Path root, String name) throws IOException {
        Path recipes = root.resolve("recipes");
        FileUtils.copyDirectory(TestImages.home().resolve("recipes/tiny-linux").toFile(), recipes.resolve("tiny-linux").toFile());
        Files.writeString(recipes.resolve(name + ".yaml"), Files.readString(TestImages.home().resolve("recipes/tiny-linux.yaml"))
                .replace("name: tiny-linux", "name: " + name).replaceAll("(?s)\nschedule:.*", "\n"));
        return recipes;
    }

    private static JsonNode json(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private static String lastLine(String output) {
        List<String> lines = output.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static IngotPaths paths(Path images) {
        return new IngotPaths(TestImages.home(), images, TestImages.paths().cache(), images.resolve(".ingot"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
