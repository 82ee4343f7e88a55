package io.ingot.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.server.http.HttpFront;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.it.TestImages;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the daemon's answers carry, against a real daemon on loopback: no request value (query parameter or
 * request header) ever becomes a response header; every answer has its own fixed Content-Type and the security
 * headers; the OpenAPI document names the daemon's own address, whatever the request says; a request without a
 * Host header, or with a malformed one, is a 400 with one line of JSON and no warning in the log.
 */
class ApiHeadersIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BUILD = "20260103-040506-abcdef";
    private static final String SCRIPT = "<svg/onload=alert(document.domain)>";
    /** Response headers an attacker would like to set, each with a value no answer ever has. */
    private static final Map<String, String> INJECTED = Map.of(
            "Content-Type", "text/html",
            "Cache-Control", "public, max-age=31536000, injected",
            "Content-Range", "bytes 0-1/2-injected",
            "WWW-Authenticate", "Basic realm=\"injected\"",
            "X-Checksum-Sha256", "injected0000",
            "Set-Cookie", "injected=1",
            "Location", "http://injected.example/");
    private static Daemon daemon;
    private static String base;
    private static TemplateVersion version;

    @BeforeAll
    static void start() throws Exception {
        Path images = TestImages.home().resolve("target/it-images-api-headers");
        deleteTree(images);
        IngotPaths paths = new IngotPaths(TestImages.home(), images, TestImages.paths().cache(), images.resolve(".ingot"));
        ImageStore store = ImageStore.open(paths);
        Path disk = Files.createDirectories(images.resolve("work")).resolve("base.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "16M").inheritIO().start();
        assertEquals(0, p.waitFor());
        version = store.publisher().publish(new PublishRequest("headers-it", disk, "qcow2", false, Manifest.empty(), List.of("local"), "latest"));

        // a recipe whose key is markup, and a build whose log holds it: both were served as working script
        Path recipes = TestImages.home().resolve("target/it-recipes/api-headers");
        deleteTree(recipes);
        Files.createDirectories(recipes);
        Files.writeString(recipes.resolve("markup.yaml"), "name: markup\n\"" + SCRIPT + "\": 1\n");
        store.catalog().buildStarted(BUILD, "markup", Instant.now());
        store.catalog().buildFinished(BUILD, "failed", "provisioner said " + SCRIPT, Instant.now());
        Path dir = Files.createDirectories(paths.builds().resolve("markup").resolve(BUILD));
        Files.writeString(dir.resolve("build.log"), "00:00:00.000 provisioner: " + SCRIPT + "\n");

        daemon = Daemon.start(paths, DaemonConfig.defaults().withListen("127.0.0.1", 0).withRecipes(recipes.toString(), null, 3)
                .withHostNames(List.of("templates.example")));
        base = "http://127.0.0.1:" + daemon.port();
    }

    @AfterAll
    static void stop() {
        if (daemon != null) daemon.close();
    }

    @Test
    void queryParametersNeverBecomeResponseHeaders() throws Exception {
        StringBuilder query = new StringBuilder();
        for (Map.Entry<String, String> e : INJECTED.entrySet()) {
            query.append(query.length() == 0 ? "?" : "&").append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        String v = "/api/templates/headers-it/versions/" + version.version();
        Map<String, String> types = Map.of(
                "/api/templates", "application/json",
                "/api/recipes", "application/json",
                "/api/builds/" + BUILD, "application/json",
                v + "/files", "application/json",
                "/api/templates/no-such-template", "application/json",
                "/api/builds/" + BUILD + "/log", "text/plain; charset=utf-8",
                v + "/files/manifest.json", "application/octet-stream",
                "/", "text/html; charset=utf-8");
        for (Map.Entry<String, String> t : types.entrySet()) {
            for (String method : List.of("GET", "HEAD")) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + t.getKey() + query))
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                String what = method + " " + t.getKey() + query;
                assertEquals(t.getValue(), r.headers().firstValue("Content-Type").orElse(null), what + ": " + r.headers().map());
                assertNothingInjected(r.headers(), what);
            }
        }
    }

    @Test
    void requestHeadersNeverBecomeResponseHeaders() throws Exception {
        String file = "/api/templates/headers-it/versions/" + version.version() + "/files/manifest.json";
        for (String path : List.of("/api/templates", "/api/recipes", "/api/builds/" + BUILD + "/log", file, "/api/openapi.json", "/metrics")) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
            INJECTED.forEach(b::header);
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            assertNothingInjected(r.headers(), "GET " + path + " with the headers as request headers");
        }
        // nor does a query parameter stand in for a request header the routes read
        HttpResponse<String> whole = get(file + "?Range=bytes%3D0-0&" + HttpFront.HEAD_HEADER + "=1");
        assertEquals(200, whole.statusCode(), whole.headers().map().toString());
        assertEquals(Files.size(manifest()), whole.body().length(), "the whole file, with its body");
        // a POST's own Content-Type is not echoed either (the refusal is JSON)
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/builds"))
                .header("Content-Type", "text/html").header("Authorization", "Bearer " + daemon.token().value())
                .POST(HttpRequest.BodyPublishers.ofString("{\"recipe\": \"no-such-recipe\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, post.statusCode(), post.body());
        assertEquals("application/json", post.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    void thePageAndTheApiCarryTheSecurityHeaders() throws Exception {
        for (String path : List.of("/", "/api/templates", "/api/builds/" + BUILD + "/log", "/api/no-such-thing", "/metrics")) {
            HttpResponse<String> r = get(path);
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("default-src 'none'") && !csp.contains("unsafe"), path + ": " + csp);
            assertTrue(csp.contains("frame-ancestors 'none'"), path + ": " + csp);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
            assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(null), path);
        }
        HttpResponse<String> page = get("/");
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"), csp);
        assertFalse(page.body().matches("(?s).*<script>.*") || page.body().contains("<style>") || page.body().contains(" style="),
                "no inline script or style on the page: its CSP would block it");
        for (String asset : List.of("/ingot.js", "/ingot.css")) {
            HttpResponse<String> r = get(asset);
            assertEquals(200, r.statusCode(), asset);
            assertTrue(page.body().contains("\"" + asset + "\""), "the page loads " + asset);
            assertEquals(asset.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
                    r.headers().firstValue("Content-Type").orElse(null), asset);
        }
    }

    @Test
    void theOpenApiServersEntryIsTheDaemonsOwnAddress() throws Exception {
        String own = "http://127.0.0.1:" + daemon.port();
        HttpResponse<String> forwarded = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/openapi.json"))
                .header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Proto", "https").header("X-Forwarded-Prefix", "/evil")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, forwarded.statusCode());
        assertEquals(own, servers(forwarded.body()), forwarded.body());
        String viaOtherName = raw("GET /api/openapi.json HTTP/1.1\r\nHost: templates.example:" + daemon.port() + "\r\nConnection: close\r\n\r\n");
        assertTrue(viaOtherName.startsWith("HTTP/1.1 200"), viaOtherName);
        assertEquals(own, servers(viaOtherName.substring(viaOtherName.indexOf("\r\n\r\n") + 4)));
        assertFalse(forwarded.body().contains("evil") || viaOtherName.contains("templates.example"), "nothing of the request in the document");
    }

    @Test
    void aMissingOrMalformedHostIsA400WithOneLineOfJsonAndNoWarning() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        root.addAppender(seen);
        try {
            for (String request : List.of(
                    "GET /api/templates HTTP/1.0\r\n\r\n",
                    "GET /api/templates HTTP/1.1\r\nConnection: close\r\n\r\n",
                    "GET /api/templates HTTP/1.1\r\nHost: localhost:port\r\nConnection: close\r\n\r\n",
                    "GET /api/templates HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n",
                    "GET /api/templates HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n")) {
                String answer = raw(request);
                String what = request.lines().toList().toString();
                assertTrue(answer.startsWith("HTTP/1.1 400") || answer.startsWith("HTTP/1.0 400"), what + " -> " + answer);
                String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
                JsonNode error = Json.MAPPER.readTree(body);
                assertEquals(1, error.size(), body);
                assertTrue(error.path("error").asText().toLowerCase().contains("host") && !body.contains("\\n"), what + " -> " + body);
                assertTrue(answer.toLowerCase().contains("content-type: application/json"), answer);
            }
        } finally {
            root.detachAppender(seen);
        }
        List<String> warnings = seen.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        assertEquals(List.of(), warnings, "no warning for a client's bad Host");
    }

    // ---- helpers ----

    private static void assertNothingInjected(HttpHeaders headers, String what) {
        headers.map().forEach((name, values) -> {
            for (String value : values) {
                assertFalse(value.contains("injected") || value.equals("text/html"), what + " answered " + name + ": " + value);
            }
        });
        assertFalse(headers.firstValue("Set-Cookie").isPresent() || headers.firstValue("Location").isPresent(), what + ": " + headers.map());
    }

    private static Path manifest() {
        return TestImages.home().resolve("target/it-images-api-headers/templates/headers-it/" + version.version() + "/manifest.json");
    }

    private static String servers(String openApi) throws IOException {
        JsonNode servers = Json.MAPPER.readTree(openApi).path("servers");
        assertEquals(1, servers.size(), servers.toString());
        return servers.get(0).path("url").asText();
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", daemon.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }
}
