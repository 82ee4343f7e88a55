package io.ingot.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.it.TestImages;
import io.ingot.pipeline.BuildOwner;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The daemon's HTTP API as a client meets it, against a real daemon on loopback (real Vert.x, real files, a
 * real qcow2 made by qemu-img): the OpenAPI document, 405 and HEAD, strict bodies, the Host allow-list, idle
 * connections, log streams that hold no thread, ranges, symbolic links, the watched recipes folder, a running
 * build's screen, and secrets kept out of build messages.
 */
class ApiIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BUILD = "20260102-030405-abcdef";
    private static IngotPaths paths;
    private static ImageStore store;
    private static Path recipes;
    private static Daemon daemon;
    private static String base;
    private static TemplateVersion version;

    @BeforeAll
    static void start() throws Exception {
        Path images = TestImages.home().resolve("target/it-images-api");
        deleteTree(images);
        paths = new IngotPaths(TestImages.home(), images, TestImages.paths().cache(), images.resolve(".ingot"));
        store = ImageStore.open(paths);
        Path disk = Files.createDirectories(images.resolve("work")).resolve("base.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "16M").inheritIO().start();
        assertEquals(0, p.waitFor());
        version = store.publisher().publish(new PublishRequest("api-it", disk, "qcow2", false, Manifest.empty(), List.of("local"), "latest"));

        recipes = TestImages.variant("api", s -> s).getParent();
        Files.delete(recipes.resolve("tiny-linux.yaml"));
        Files.writeString(recipes.resolve("api-linux.yaml"), Files.readString(TestImages.home().resolve("recipes/tiny-linux.yaml"))
                .replace("name: tiny-linux", "name: api-linux"));
        Files.deleteIfExists(recipes.resolve("broken.yaml"));
        Files.deleteIfExists(recipes.resolve("secret-media.yaml"));

        // a build that never ends (started, never finished), with a log
        store.catalog().buildStarted(BUILD, "api-linux", Instant.now());
        Path dir = Files.createDirectories(paths.builds().resolve("api-linux").resolve(BUILD));
        Files.writeString(dir.resolve("build.log"), "00:00:00.000 ==> build " + BUILD + " of api-linux\n");
        // owned by this live process, as a real running build's directory is: the daemon's recovery step leaves it running
        BuildOwner.current().write(dir);

        daemon = Daemon.start(paths, DaemonConfig.defaults().withListen("127.0.0.1", 0).withRecipes(recipes.toString(), null, 3)
                .withTimeouts("2s", "5s").withHostNames(List.of("templates.example")));
        base = "http://127.0.0.1:" + daemon.port();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) daemon.close();
    }

    @Test
    void theOpenApiDocumentIsValidAndListsEveryDocumentedPath() throws Exception {
        HttpResponse<String> r = get("/api/openapi.json");
        assertEquals(200, r.statusCode());
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(r.body(), null, null);
        assertTrue(parsed.getMessages().isEmpty(), "OpenAPI 3 problems: " + parsed.getMessages());
        assertTrue(parsed.getOpenAPI().getOpenapi().startsWith("3."));
        Set<String> served = new TreeSet<>();
        parsed.getOpenAPI().getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
                .forEach(m -> served.add(m.name() + " " + path.replaceAll("\\{[^}]+}", "{}"))));
        Set<String> documented = documentedPaths();
        assertTrue(documented.size() >= 20, "paths found in docs/api.md: " + documented);
        for (String d : documented) assertTrue(served.contains(d), d + " (docs/api.md) is not in the OpenAPI document: " + served);
    }

    @Test
    void wrongMethodsAre405AndEveryReadAnswersHead() throws Exception {
        String token = daemon.token().value();
        HttpResponse<String> delete = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/templates")).DELETE()
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, delete.statusCode(), delete.body());
        assertEquals("GET, HEAD", delete.headers().firstValue("Allow").orElse(""));
        assertTrue(Json.MAPPER.readTree(delete.body()).path("error").asText().contains("DELETE is not allowed"), delete.body());
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/builds")).PUT(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, put.statusCode());
        assertEquals("GET, HEAD, POST", put.headers().firstValue("Allow").orElse(""));
        assertEquals(404, get("/api/no-such-thing").statusCode());

        String v = "/api/templates/api-it/versions/" + version.version();
        for (String path : List.of("/", "/index.html", "/metrics", "/api/openapi.json", "/api/templates", "/api/templates/api-it",
                "/api/templates/api-it/versions", "/api/templates/api-it/channels", v, "/api/resolve/api-it@latest", v + "/files",
                v + "/files/base.qcow2", v + "/files/manifest.json", "/api/clones", "/api/builds", "/api/builds/" + BUILD,
                "/api/builds/" + BUILD + "/log", "/api/schedules", "/api/recipes")) {
            HttpResponse<byte[]> g = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> h = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, g.statusCode(), "GET " + path);
            assertEquals(200, h.statusCode(), "HEAD " + path);
            assertEquals(0, h.body().length, "HEAD " + path + " has no body");
            assertEquals(g.headers().firstValue("Content-Type"), h.headers().firstValue("Content-Type"), "HEAD " + path);
            if (!path.equals("/metrics") && !path.endsWith("/log")) { // those two change between the requests
                assertEquals(Long.toString(g.body().length), h.headers().firstValue("Content-Length").orElse(null), "HEAD " + path + " length");
            }
        }
        HttpResponse<byte[]> headMissing = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/templates/nope"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(404, headMissing.statusCode());
    }

    @Test
    void bodiesAreStrictlyTypedAndTheBearerSchemeIsCaseInsensitive() throws Exception {
        String token = daemon.token().value();
        String revoke = "/api/templates/api-it/versions/" + version.version() + "/revoke";
        for (String body : List.of("{\"revoked\": \"yes\"}", "null", "[true]", "{\"revoked\": null}", "{\"revoked\": 1}",
                "{\"revoked\": false} {\"revoked\": true}", "{\"revoked\": false, \"why\": 1}", "{")) {
            HttpResponse<String> r = post(revoke, body, "Bearer " + token);
            assertEquals(400, r.statusCode(), body + " -> " + r.body());
            assertTrue(Json.MAPPER.readTree(r.body()).path("error").asText().startsWith("body must be"), r.body());
        }
        assertFalse(store.catalog().version("api-it", version.version()).orElseThrow().revoked(), "no refused body revoked anything");
        for (String body : List.of("{\"version\": 1.5}", "{\"version\": \"1\"}", "{\"version\": true}", "{}")) {
            assertEquals(400, post("/api/templates/api-it/channels/stable", body, "Bearer " + token).statusCode(), body);
        }
        HttpResponse<String> promoted = post("/api/templates/api-it/channels/stable", "{\"version\": " + version.version() + "}", "bearer " + token);
        assertEquals(200, promoted.statusCode(), promoted.body());
        assertEquals(401, post("/api/templates/api-it/channels/stable", "{\"version\": 1}", "Basic " + token).statusCode());
        HttpResponse<String> queued = post("/api/builds", "{\"recipe\": \"api-linux\", \"source\": \"schedule\"}", "BEARER " + token);
        assertEquals(400, queued.statusCode(), "a client cannot claim to be the scheduler: " + queued.body());
        assertEquals(404, post("/api/builds", "{\"recipe\": \"no-such-recipe\"}", "Bearer " + token).statusCode());
        assertEquals(413, post("/api/builds", "{\"recipe\": \"" + "x".repeat(70_000) + "\"}", "Bearer " + token).statusCode());
    }

    @Test
    void onlyTheDaemonsOwnNamesAreAcceptedAsHost() throws Exception {
        assertTrue(raw("GET /api/templates HTTP/1.1\r\nHost: rebound.example:" + daemon.port() + "\r\nConnection: close\r\n\r\n")
                .startsWith("HTTP/1.1 403"));
        assertTrue(raw("GET /api/templates HTTP/1.1\r\nHost: templates.example:" + daemon.port() + "\r\nConnection: close\r\n\r\n")
                .startsWith("HTTP/1.1 200"));
        assertTrue(raw("GET /api/templates HTTP/1.1\r\nHost: localhost:" + daemon.port() + "\r\nConnection: close\r\n\r\n")
                .startsWith("HTTP/1.1 200"));
        assertTrue(raw("GET /api/templates HTTP/1.1\r\nHost: [::1]:" + daemon.port() + "\r\nConnection: close\r\n\r\n")
                .startsWith("HTTP/1.1 200"));
    }

    private static final int SLOW_CLIENTS = 100;

    @Test
    void slowHeaderClientsHoldNoThreadAndAreClosedWhenIdle() throws Exception {
        int threadsBefore = Thread.activeCount();
        Set<String> namesBefore = threadNames();
        List<Socket> slow = new ArrayList<>();
        try {
            // 100 clients against a bound of 50 new threads: a thread per client would add 100, while other tests of this
            // JVM (builds winding down, Camel's pools) add a dozen or so threads of their own at any moment
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket s = new Socket("127.0.0.1", daemon.port());
                s.getOutputStream().write("GET /api/templates HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            long t0 = System.nanoTime();
            assertEquals(200, get("/api/templates").statusCode(), "served while " + SLOW_CLIENTS + " clients dribble their headers");
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "promptly");
            Set<String> added = threadNames();
            added.removeAll(namesBefore);
            assertTrue(Thread.activeCount() - threadsBefore < SLOW_CLIENTS / 2, "no thread per slow client: " + threadsBefore + " -> "
                    + Thread.activeCount() + ", new: " + added);
            for (Socket s : slow) {
                s.setSoTimeout(10_000);
                assertEquals(-1, s.getInputStream().read(), "the idle timeout (2s) closed the connection");
            }
        } finally {
            for (Socket s : slow) s.close();
        }
    }

    @Test
    void aRequestWhoseBodyNeverArrivesGets503AfterTheRequestTimeout() throws Exception {
        try (Socket s = new Socket("127.0.0.1", daemon.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST /api/builds HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + daemon.token().value()
                    + "\r\nContent-Length: 100\r\n\r\n{\"rec").getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            String answer = readUntil(s.getInputStream(), "}");
            assertTrue(answer.startsWith("HTTP/1.1 503") && answer.contains("request timeout"), answer);
            assertTrue(System.nanoTime() - t0 >= 4_000_000_000L, "not before the 5s request timeout");
        }
    }

    @Test
    void followingALogThatNeverEndsHoldsNoThreadAndEndsWithTheClient() throws Exception {
        Path log = paths.builds().resolve("api-linux").resolve(BUILD).resolve("build.log");
        int threadsBefore = Thread.activeCount();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < Daemon.MAX_LOG_FOLLOWERS; i++) {
                Socket s = new Socket("127.0.0.1", daemon.port());
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /api/builds/" + BUILD + "/log?follow=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                clients.add(s);
            }
            for (Socket s : clients) assertTrue(readUntil(s.getInputStream(), "==> build " + BUILD).startsWith("HTTP/1.1 200"));
            assertTrue(raw("GET /api/builds/" + BUILD + "/log?follow=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .startsWith("HTTP/1.1 503"), "one stream more than the limit is refused");
            assertTrue(metric("ingot_http_log_followers") == Daemon.MAX_LOG_FOLLOWERS);
            assertTrue(Thread.activeCount() - threadsBefore < 10, "no thread per stream: " + threadsBefore + " -> " + Thread.activeCount());
            Files.writeString(log, "00:00:01.000     still installing\n", java.nio.file.StandardOpenOption.APPEND);
            for (Socket s : clients) readUntil(s.getInputStream(), "still installing");
        } finally {
            for (Socket s : clients) s.close();
        }
        waitFor(Duration.ofSeconds(10), "the streams to end with their clients", () -> metric("ingot_http_log_followers") == 0);
    }

    @Test
    void rangesPastALongAre416AndSymbolicLinksAreNotFollowed() throws Exception {
        String file = "/api/templates/api-it/versions/" + version.version() + "/files/base.qcow2";
        Path disk = store.storages().get("local").locate("api-it", version.version()).orElseThrow().baseImage().path();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + file)).header("Range", "bytes=99999999999999999999-").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(416, r.statusCode(), r.body());
        assertEquals("bytes */" + Files.size(disk), r.headers().firstValue("Content-Range").orElse(null));
        HttpResponse<byte[]> part = HTTP.send(HttpRequest.newBuilder(URI.create(base + file)).header("Range", "bytes=-16").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, part.statusCode());
        assertEquals(16, part.body().length);
        assertEquals("16", part.headers().firstValue("Content-Length").orElse(null));
        assertFalse(part.headers().firstValue("Transfer-Encoding").isPresent(), "a known length is sent as Content-Length");

        Path aside = disk.resolveSibling("base.qcow2.aside");
        Files.move(disk, aside);
        try {
            Files.createSymbolicLink(disk, Path.of("/etc/hostname"));
            HttpResponse<String> link = get(file);
            assertEquals(404, link.statusCode(), link.body());
            assertTrue(link.body().contains("symbolic link"), link.body());
        } finally {
            Files.delete(disk);
            Files.move(aside, disk);
        }
    }

    @Test
    void aChangedRecipeIsValidatedAtOnce() throws Exception {
        Path broken = recipes.resolve("broken.yaml");
        Files.writeString(broken, Files.readString(recipes.resolve("api-linux.yaml")).replace("name: api-linux", "name: broken")
                .replace("  cpus: 1", "  cpus: 1\n  cpuz: 2"));
        waitFor(Duration.ofSeconds(20), "broken.yaml to be shown invalid", () -> recipe("broken.yaml") != null && !recipe("broken.yaml").path("valid").asBoolean());
        JsonNode problem = recipe("broken.yaml").path("problems").get(0);
        assertTrue(problem.path("line").asInt() > 0 && problem.path("message").asText().contains("cpuz"), problem.toString());
        assertTrue(recipe("api-linux.yaml").path("valid").asBoolean());
        Files.writeString(broken, Files.readString(broken).replace("\n  cpuz: 2", ""));
        waitFor(Duration.ofSeconds(20), "broken.yaml to be valid again", () -> recipe("broken.yaml").path("valid").asBoolean());
    }

    @Test
    void aRunningBuildShowsItsLatestScreen() throws Exception {
        Path png = paths.builds().resolve("api-linux").resolve(BUILD).resolve("screen.png");
        Files.deleteIfExists(png);
        assertEquals(404, get("/api/builds/" + BUILD + "/screen.png").statusCode(), "no screen yet");
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(image, "png", png.toFile());
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/builds/" + BUILD + "/screen.png")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("image/png", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(Files.size(png), r.body().length);

        Path chromium = Stream.of("/usr/bin/chromium", "/usr/bin/chromium-browser").map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(chromium != null, "chromium is not installed (apt-get install chromium): page part skipped");
        String dom = dom(chromium, base + "/#build=" + BUILD);
        assertTrue(dom.contains("screen of build " + BUILD + ", 64\u00d748"), "the screen is shown on the page: " + dom);
        assertTrue(dom.contains("data-recipe=\"api-linux.yaml\""), "recipes table: " + dom);
    }

    @Test
    void secretsInAFailedBuildsMessageAreMasked() throws Exception {
        String secret = "hunter2:s3cret";
        Files.writeString(recipes.resolve("secret-media.yaml"), Files.readString(recipes.resolve("api-linux.yaml"))
                .replace("name: api-linux", "name: secret-media")
                .replace("variables:\n", "variables:\n  mirror_password:\n    default: \"" + secret + "\"\n    sensitive: true\n")
                .replace("    builtin: tinyinstall", "    url: http://builder:${mirror_password}@127.0.0.1:" + daemon.port() + "/missing.iso\n"
                        + "    checksum: sha256:" + "0".repeat(64)));
        HttpResponse<String> queued = post("/api/builds", "{\"recipe\": \"secret-media\"}", "Bearer " + daemon.token().value());
        assertEquals(202, queued.statusCode(), queued.body());
        String id = Json.MAPPER.readTree(queued.body()).path("id").asText();
        // the worker tries it again under the same id (running, no message) after a failed attempt: wait for a failed
        // row and keep the message the API gave with it (asked again, the retry may already show as running)
        String[] failed = {null};
        waitFor(Duration.ofMinutes(3), "the build to fail", () -> {
            var row = build(id);
            if (!"failed".equals(row.path("state").asText()) || row.path("message").asText("").isEmpty()) return false;
            failed[0] = row.path("message").asText();
            return store.catalog().builds().stream().anyMatch(b -> b.id().equals(id) && "failed".equals(b.status()) && b.message() != null);
        });
        String message = failed[0];
        assertTrue(message.contains("****"), "the URL is in the message, masked: " + message);
        List<String> seen = List.of(message, get("/api/builds").body(), get("/api/builds/" + id + "/log").body(),
                String.valueOf(store.catalog().builds().stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow().message()));
        for (String text : seen) {
            for (String form : List.of(secret, "hunter2%3As3cret", "hunter2%3as3cret", "s3cret")) {
                assertFalse(text.contains(form), form + " leaked: " + text);
            }
        }
    }

    // ---- helpers ----

    /** Every "METHOD /path" docs/api.md names, placeholders (NAME, N, ...) as {}. */
    private static Set<String> documentedPaths() throws IOException {
        String doc = Files.readString(TestImages.home().resolve("docs/api.md"));
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("`(GET|POST|HEAD) (/[^`\\s?]*)").matcher(doc);
        while (m.find()) {
            String path = m.group(2).replaceAll("/[A-Z][A-Z_]*(?=/|$)", "/{}").replaceAll("/[A-Z]+\\.png", "/{}.png");
            out.add(m.group(1) + " " + path.replace("/{}/{}", "/{}/{}"));
        }
        out.removeIf(s -> s.startsWith("HEAD "));
        out.remove("GET /api/openapi.json"); // the document itself
        return out;
    }

    private static JsonNode recipe(String file) {
        try {
            for (JsonNode r : Json.MAPPER.readTree(get("/api/recipes").body())) if (r.path("file").asText().equals(file)) return r;
            return null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode build(String id) {
        try {
            return Json.MAPPER.readTree(get("/api/builds/" + id).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double metric(String name) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1));
        }
        return -1;
    }

    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", daemon.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder sb = new StringBuilder();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        while (!sb.toString().contains(marker)) {
            int c = r.read();
            if (c < 0) fail("stream ended before '" + marker + "': " + sb);
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static String dom(Path chromium, String url) throws Exception {
        Path profile = Files.createTempDirectory("ingot-chromium");
        try {
            Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--user-data-dir=" + profile, "--virtual-time-budget=8000", "--dump-dom", url)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium finished");
                return dom;
            } finally {
                p.destroyForcibly();
            }
        } finally {
            deleteTree(profile);
        }
    }

    private static HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> post(String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void waitFor(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        Instant end = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) fail("timed out after " + limit + " waiting for " + what);
            Thread.sleep(300);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }


    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).collect(Collectors.toCollection(TreeSet::new));
    }
}
