package io.ingot.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnswerFileServerTest {
    @TempDir Path tmp;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path served;
    private AnswerFileServer server;

    @BeforeEach
    void start() throws IOException {
        served = Files.createDirectories(tmp.resolve("answers"));
        Files.writeString(served.resolve("preseed.cfg"), "d-i debian-installer/locale string en_US\n");
        Files.createDirectories(served.resolve("nocloud"));
        Files.writeString(served.resolve("nocloud/user-data"), "#cloud-config\n");
        Files.writeString(served.resolve(".hidden"), "secret");
        Files.writeString(tmp.resolve("outside.txt"), "private");
        Files.createSymbolicLink(served.resolve("escape"), tmp.resolve("outside.txt"));
        Files.createSymbolicLink(served.resolve("inside-link"), served.resolve("preseed.cfg"));
        server = new AnswerFileServer(served, 0, log::add).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> request(String method, String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the path byte for byte (an HTTP client library would normalize "../" away). */
    private String rawStatusLine(String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertFalse(response.contains("private"), "leaked a file outside the directory: " + response);
            return response.lines().findFirst().orElse("");
        }
    }

    @Test
    void servesFilesAndSubdirectoriesAsTextAndLogsEachRequest() throws Exception {
        HttpResponse<String> r = request("GET", "/preseed.cfg");
        assertEquals(200, r.statusCode());
        assertEquals("d-i debian-installer/locale string en_US\n", r.body());
        assertEquals("text/plain; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));

        assertEquals("#cloud-config\n", request("GET", "/nocloud/user-data").body());
        assertEquals(200, request("GET", "/inside-link").statusCode());

        HttpResponse<String> head = request("HEAD", "/preseed.cfg");
        assertEquals(200, head.statusCode());
        assertEquals("41", head.headers().firstValue("Content-Length").orElse(""));
        assertEquals("", head.body());

        assertTrue(logged("GET /nocloud/user-data 200 14 bytes"), log.toString());
        assertTrue(log.get(0).matches("answer files: GET /preseed\\.cfg 200 41 bytes \\(client 127\\.0\\.0\\.1:\\d+\\)"), log.get(0));
        assertTrue(log.get(1).contains("GET /nocloud/user-data 200 14 bytes"), log.get(1));
    }

    @Test
    void missingFilesDirectoriesAndHiddenFilesAre404() throws Exception {
        assertEquals(404, request("GET", "/no-such-file").statusCode());
        assertEquals(404, request("GET", "/nocloud").statusCode());
        assertEquals(404, request("GET", "/").statusCode());
        assertEquals(404, request("GET", "/.hidden").statusCode());
        assertTrue(logged("GET /no-such-file 404 0 bytes (no such file)"), log.toString());
    }

    /** The server logs a request once it has answered it: wait (bounded) for the line. */
    private boolean logged(String text) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (log.stream().anyMatch(l -> l.contains(text))) return true;
            Thread.sleep(20);
        }
        return false;
    }

    @Test
    void nothingOutsideTheDirectoryIsServed() throws Exception {
        assertTrue(rawStatusLine("/../outside.txt").contains(" 404 "));
        assertTrue(rawStatusLine("/nocloud/../../outside.txt").contains(" 404 "));
        assertTrue(rawStatusLine("/%2e%2e/outside.txt").contains(" 404 "));
        assertTrue(rawStatusLine("/%2e%2e%2foutside.txt").contains(" 404 "));
        assertTrue(rawStatusLine("/escape").contains(" 404 "));
        assertTrue(logged("GET /escape 404 0 bytes (symlink leads outside"), log.toString());
    }

    @Test
    void onlyGetAndHeadAreAllowed() throws Exception {
        HttpResponse<String> r = request("POST", "/preseed.cfg");
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
        assertEquals(405, request("PUT", "/new-file").statusCode());
        assertFalse(Files.exists(served.resolve("new-file")));
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        assertEquals("127.0.0.1", InetAddress.getLoopbackAddress().getHostAddress());
        InetAddress other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst().orElse(null);
        Assumptions.assumeTrue(other != null, "this machine has no non-loopback IPv4 address to try");
        try (Socket s = new Socket()) {
            assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress(other, server.port()), 3000),
                    "answer files reachable on " + other.getHostAddress());
        }
    }

    @Test
    void givenPortIsUsedAndCloseFreesIt() throws Exception {
        PortAllocator ports = new PortAllocator(tmp.resolve("ports"));
        try (PortLease lease = ports.allocate()) {
            try (AnswerFileServer fixed = new AnswerFileServer(served, lease.port(), l -> { }).start()) {
                assertEquals(lease.port(), fixed.port());
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lease.port() + "/preseed.cfg")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
            }
            // closed: the port can be bound again at once
            try (AnswerFileServer again = new AnswerFileServer(served, lease.port(), l -> { }).start()) {
                assertEquals(lease.port(), again.port());
            }
        }
    }
}
