package io.ingot.daemon;

import com.sun.net.httpserver.HttpServer;
import io.ingot.images.ImageStore;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot pull} against a server that does not behave like an ingot daemon (a real HTTP server on
 * loopback): a list without manifest.json, manifests naming files outside the version folder or not listed,
 * a download that never ends. Each is refused with one clear line and leaves no pull folder behind.
 */
class PullerTest {
    private static final byte[] DISK = "qcow2 stand-in".getBytes(StandardCharsets.UTF_8);
    private HttpServer server;
    private final Map<String, byte[]> routes = new ConcurrentHashMap<>();
    private ImageStore store;
    private Path pullDir;

    @BeforeEach
    void start(@TempDir Path images) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                String path = ex.getRequestURI().getPath();
                if (path.endsWith("/files/endless.qcow2")) { // streams until the client hangs up
                    ex.sendResponseHeaders(200, 0);
                    OutputStream out = ex.getResponseBody();
                    byte[] chunk = new byte[1 << 16];
                    for (int i = 0; i < 100_000; i++) out.write(chunk);
                    return;
                }
                byte[] body = routes.get(path);
                ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
                if (body != null) ex.getResponseBody().write(body);
            } catch (IOException e) {
                // the client hung up
            }
        });
        server.start();
        Path home = Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath();
        store = ImageStore.open(new IngotPaths(home, images, images.resolve("cache"), images.resolve(".ingot")));
        pullDir = images.resolve(".ingot/pull/evil-1");
        routes.put("/api/resolve/evil:1", "{\"name\": \"evil\", \"version\": 1}".getBytes(StandardCharsets.UTF_8));
        routes.put("/api/templates/evil/versions/1/files/base.qcow2", DISK);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aListWithoutManifestIsAClearError() {
        list("[{\"file\": \"base.qcow2\", \"size\": " + DISK.length + ", \"sha256\": \"" + sha(DISK) + "\"}]");
        assertRefused("lists no manifest.json");
    }

    @Test
    void ramFileNamesOutsideTheVersionOrNotListedAreRefused() {
        for (String ram : new String[] {"/etc/passwd", "../../catalog.db", "ram/../../x", "ram/memory"}) {
            String manifest = manifest("\"ram\": {\"memoryFile\": {\"file\": \"" + ram + "\", \"sha256\": \"" + sha(DISK) + "\", \"size\": 1}}");
            listWithManifest(manifest, "");
            assertRefused(ram.equals("ram/memory") ? "which the daemon did not list" : "not a file inside the version folder");
        }
        // listed, but with another checksum than the manifest's
        String manifest = manifest("\"ram\": {\"memoryFile\": {\"file\": \"ram/memory\", \"sha256\": \"" + "0".repeat(64) + "\", \"size\": 14}}");
        routes.put("/api/templates/evil/versions/1/files/ram/memory", DISK);
        listWithManifest(manifest, ", {\"file\": \"ram/memory\", \"size\": " + DISK.length + ", \"sha256\": \"" + sha(DISK) + "\"}");
        assertRefused("differs from the manifest's");
    }

    @Test
    void aDownloadStopsAtTheListedSize() {
        String manifest = manifest(null).replace("base.qcow2", "endless.qcow2");
        routes.put("/api/templates/evil/versions/1/files/manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
        list("[{\"file\": \"endless.qcow2\", \"size\": 1000000, \"sha256\": \"" + sha(DISK) + "\"},"
                + " {\"file\": \"manifest.json\", \"size\": " + manifest.length() + ", \"sha256\": \"" + sha(manifest.getBytes(StandardCharsets.UTF_8)) + "\"}]");
        long started = System.nanoTime();
        assertRefused("1000000 bytes with sha256");
        assertTrue(System.nanoTime() - started < 20_000_000_000L, "stopped at 1 MB, did not read the endless stream");
    }

    private void assertRefused(String expected) {
        UserError e = assertThrows(UserError.class, () -> new Puller(store, null, new PrintStream(OutputStream.nullOutputStream()), -1)
                .pull(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "evil:1", "local"));
        assertTrue(e.getMessage().contains(expected) && !e.getMessage().contains("\n"), e.getMessage());
        assertFalse(Files.exists(pullDir), "a refused pull leaves nothing in " + pullDir);
        assertTrue(store.catalog().templateNames().isEmpty());
    }

    private void listWithManifest(String manifest, String moreEntries) {
        byte[] m = manifest.getBytes(StandardCharsets.UTF_8);
        routes.put("/api/templates/evil/versions/1/files/manifest.json", m);
        list("[{\"file\": \"base.qcow2\", \"size\": " + DISK.length + ", \"sha256\": \"" + sha(DISK) + "\"}" + moreEntries
                + ", {\"file\": \"manifest.json\", \"size\": " + m.length + ", \"sha256\": \"" + sha(m) + "\"}]");
    }

    private void list(String json) {
        routes.put("/api/templates/evil/versions/1/files", json.getBytes(StandardCharsets.UTF_8));
    }

    private static String manifest(String ram) {
        return "{\"name\": \"evil\", \"version\": 1, \"disk\": {\"file\": \"base.qcow2\", \"format\": \"qcow2\", \"actualSize\": "
                + DISK.length + ", \"sha256\": \"" + sha(DISK) + "\"}" + (ram == null ? "" : ", " + ram) + "}";
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
