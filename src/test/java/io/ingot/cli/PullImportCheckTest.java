package io.ingot.cli;

import com.sun.net.httpserver.HttpServer;
import io.ingot.catalog.Catalog;
import io.ingot.qemu.ImportDisks;
import io.ingot.trust.Signed;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Sha256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot pull} from a daemon on loopback that serves, with a consistent file list and manifest, a base image
 * backed by a host file (the security finding), or a RAM template whose capture overlay is: refused with one line
 * and exit 2, nothing registered, nothing left in the pull folder or the storage.
 */
class PullImportCheckTest extends InProcessCli {
    private HttpServer server;
    private final Map<String, byte[]> routes = new ConcurrentHashMap<>();
    private Path images;
    private Path host;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                byte[] body = routes.get(ex.getRequestURI().getPath());
                ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
                if (body != null) ex.getResponseBody().write(body);
            }
        });
        server.start();
        System.setProperty("ingot.home", tmp.toString());
        images = tmp.resolve("images");
        host = ImportDisks.hostFile(tmp);
        routes.put("/api/resolve/evil:1", "{\"name\": \"evil\", \"version\": 1}".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aBaseImageBackedByAHostFileIsRefused() throws Exception {
        Path base = ImportDisks.hostBacked(tmp.resolve("served.qcow2"), host);
        serveVersion(Map.of("base.qcow2", base), null);
        assertEquals(2, pull(), err);
        assertEquals("ingot: base.qcow2 of evil:1: refused: a base image stands alone, but it names a backing file: " + host
                + " (an absolute path on this host)\n", err);
        assertNothingKept();
    }

    @Test
    void aCaptureOverlayBackedByAHostFileIsRefused() throws Exception {
        Path base = ImportDisks.qcow2(tmp.resolve("served.qcow2"), "1M");
        Path overlay = ImportDisks.hostBacked(tmp.resolve("served-overlay.qcow2"), host);
        Path memory = Files.write(tmp.resolve("memory"), new byte[4096]);
        serveVersion(Map.of("base.qcow2", base, "ram/overlay.qcow2", overlay, "ram/memory", memory, "ram/state", memory),
                "\"ram\": {\"memoryFile\": " + ramFile("ram/memory", memory) + ", \"stateFile\": " + ramFile("ram/state", memory)
                        + ", \"captureOverlay\": " + ramFile("ram/overlay.qcow2", overlay) + ", \"compatibilityKey\": \"k\"}");
        assertEquals(2, pull(), err);
        assertEquals("ingot: ram/overlay.qcow2 of evil:1: refused: its backing file " + host + " (an absolute path on this host)"
                + " is not its version's base image (../base.qcow2)\n", err);
        assertNothingKept();
    }

    private int pull() {
        return ingot("pull", "http://127.0.0.1:" + server.getAddress().getPort(), "evil:1");
    }

    private void assertNothingKept() throws IOException {
        assertFalse(Files.exists(images.resolve(".ingot/pull/evil-1")), "no pull folder left");
        assertEquals(List.of(), list(images.resolve(".ingot/pull")), "nothing in the pull area");
        assertEquals(List.of(), list(images.resolve("templates")), "no version folder, not even a temporary one");
        Catalog c = Catalog.open(images.resolve(Catalog.FILE_NAME));
        try {
            assertTrue(c.templateNames().isEmpty(), "no catalog row");
        } finally {
            c.close();
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** The daemon's API for evil:1: its files, their list and a manifest that agrees with both. */
    private void serveVersion(Map<String, Path> files, String ram) throws IOException {
        String prefix = "/api/templates/evil/versions/1/files";
        Path disk = files.get("base.qcow2");
        String manifest = "{\"name\": \"evil\", \"version\": 1, \"disk\": {\"file\": \"base.qcow2\", \"format\": \"qcow2\", \"virtualSize\": 1048576, "
                + "\"actualSize\": " + Files.size(disk) + ", \"sha256\": \"" + Sha256.of(disk) + "\"}" + (ram == null ? "" : ", " + ram) + "}";
        byte[] m = manifest.getBytes(StandardCharsets.UTF_8);
        StringBuilder list = new StringBuilder("[");
        // signed by this site's own key (a source it trusts, misbehaving): the import check still stands
        Map<String, String> signed = new java.util.TreeMap<>(Map.of("manifest.json", Sha256.of(m)));
        for (Map.Entry<String, Path> f : files.entrySet()) signed.put(f.getKey(), Sha256.of(f.getValue()));
        byte[] env = Signed.envelope(new VersionTrust(images.resolve(".ingot/keys"), images.resolve("trust")), signed);
        routes.put(prefix + "/" + VersionTrust.ENVELOPE, env);
        list.append("{\"file\": \"").append(VersionTrust.ENVELOPE).append("\", \"size\": ").append(env.length)
                .append(", \"sha256\": \"").append(Sha256.of(env)).append("\"}, ");
        for (Map.Entry<String, Path> f : files.entrySet()) {
            routes.put(prefix + "/" + f.getKey(), Files.readAllBytes(f.getValue()));
            list.append("{\"file\": \"").append(f.getKey()).append("\", \"size\": ").append(Files.size(f.getValue()))
                    .append(", \"sha256\": \"").append(Sha256.of(f.getValue())).append("\"}, ");
        }
        list.append("{\"file\": \"manifest.json\", \"size\": ").append(m.length).append(", \"sha256\": \"").append(Sha256.of(m)).append("\"}]");
        routes.put(prefix + "/manifest.json", m);
        routes.put(prefix, list.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String ramFile(String file, Path p) throws IOException {
        return "{\"file\": \"" + file + "\", \"sha256\": \"" + Sha256.of(p) + "\", \"size\": " + Files.size(p) + "}";
    }
}
