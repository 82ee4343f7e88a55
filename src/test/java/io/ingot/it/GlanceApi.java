package io.ingot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Command;
import io.ingot.util.Json;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's glance-api for the tests, standalone on 127.0.0.1 and a port of its own (never the packaged service's
 * 9292): no Keystone (paste flavor empty: the {@code glance-api} pipeline with {@code unauthenticated-context}),
 * a sqlite database made with {@code glance-manage db_sync}, the file store in the test's folder, and
 * {@code image_size_cap} so a test can make Glance refuse an upload. Stopped by its PID.
 */
final class GlanceApi implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/glance-api");
    private final Path dir;
    private final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private GlanceApi(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY) && Files.isExecutable(Path.of("/usr/bin/glance-manage"));
    }

    static GlanceApi start(Path dir, long sizeCap) throws Exception {
        return start(dir, sizeCap, null);
    }

    /**
     * With {@code ceph}: also Glance's rbd store on that cluster (pool rbd, as client.ingot, whose keyring a ceph.conf
     * of Glance's own names) and {@code show_multiple_locations}, so a location rbd://... can be added to an image.
     */
    static GlanceApi start(Path dir, long sizeCap, CephCluster ceph) throws Exception {
        Files.createDirectories(dir.resolve("store"));
        Files.createDirectories(dir.resolve("staging"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("glance-api.conf");
        List<String> rbd = List.of();
        if (ceph != null) {
            Path cephConf = dir.resolve("ceph.conf");
            Files.writeString(cephConf, Files.readString(ceph.conf()) + "\n[client.ingot]\nkeyring = " + ceph.keyring() + "\n");
            rbd = List.of("stores = file, rbd", "rbd_store_ceph_conf = " + cephConf, "rbd_store_user = ingot", "rbd_store_pool = rbd");
        }
        Files.writeString(conf, String.join("\n",
                "[DEFAULT]",
                "bind_host = 127.0.0.1",
                "bind_port = " + port,
                "workers = 0",
                "log_file = " + dir.resolve("glance-api.log"),
                "use_stderr = false",
                "image_size_cap = " + sizeCap,
                "show_multiple_locations = " + (ceph != null),
                "[database]",
                "connection = sqlite:///" + dir.resolve("glance.sqlite"),
                "[paste_deploy]",
                "flavor =",
                "config_file = /etc/glance/glance-api-paste.ini",
                "[glance_store]",
                ceph == null ? "stores = file" : String.join("\n", rbd),
                "default_store = file",
                "filesystem_store_datadir = " + dir.resolve("store"),
                "[os_glance_staging_store]",
                "filesystem_store_datadir = " + dir.resolve("staging"),
                ""));
        Command.Result sync = Command.exec(List.of("glance-manage", "--config-file", conf.toString(), "db_sync"), Duration.ofMinutes(2));
        if (!sync.ok()) throw new IllegalStateException("glance-manage db_sync failed: " + sync.output());
        Process p = new ProcessBuilder(BINARY.toString(), "--config-file", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("glance-api.out").toFile()).start();
        GlanceApi g = new GlanceApi(dir, port, p);
        long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                if (g.get("/v2/images").statusCode() == 200) return g;
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!p.isAlive() || System.nanoTime() > until) {
                g.close();
                throw new IllegalStateException("glance-api did not answer on port " + port + "; see " + dir);
            }
            Thread.sleep(300);
        }
    }

    int port() { return port; }

    String endpoint() { return "http://127.0.0.1:" + port; }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(endpoint() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode image(String id) throws Exception {
        HttpResponse<String> r = get("/v2/images/" + id);
        if (r.statusCode() != 200) throw new AssertionError("GET image " + id + ": HTTP " + r.statusCode() + " " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    /** The ids of all images Glance has. */
    List<String> images() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode i : Json.MAPPER.readTree(get("/v2/images").body()).path("images")) ids.add(i.path("id").asText());
        return ids;
    }

    /** GET /v2/images/ID/file into {@code to}. */
    void download(String id, Path to) throws Exception {
        HttpResponse<Path> r = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/v2/images/" + id + "/file")).build(),
                HttpResponse.BodyHandlers.ofFile(to));
        if (r.statusCode() != 200) throw new AssertionError("download of " + id + ": HTTP " + r.statusCode());
    }

    void delete(String id) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/v2/images/" + id)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    Path dir() { return dir; }
}
