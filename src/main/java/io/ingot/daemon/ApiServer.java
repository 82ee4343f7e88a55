package io.ingot.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ingot.catalog.BuildRecord;
import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.ImageStore;
import io.ingot.catalog.TemplateVersion;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's HTTP side (JDK HttpServer): the REST API under {@code /api} (docs/api.md), template
 * file downloads with Range support, {@code /metrics} and the web page at {@code /}. Every name in a
 * path is validated; POSTs need the bearer token; reads need it too unless they come from loopback or
 * {@code openReads} is set.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final Pattern BUILD_ID = Pattern.compile("\\d{8}-\\d{6}-[0-9a-f]{6}");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final ImageStore store;
    private final BuildQueue queue;
    private final Schedules schedules;
    private final Metrics metrics;
    private final ApiToken token;
    private final boolean openReads;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ingot-http");
        t.setDaemon(true);
        return t;
    });

    public ApiServer(InetSocketAddress address, ImageStore store, BuildQueue queue, Schedules schedules,
                     Metrics metrics, ApiToken token, boolean openReads) throws IOException {
        this.store = store;
        this.queue = queue;
        this.schedules = schedules;
        this.metrics = metrics;
        this.token = token;
        this.openReads = openReads;
        this.server = HttpServer.create(address, 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    public void start() { server.start(); }

    public int port() { return server.getAddress().getPort(); }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            try {
                route(ex);
            } catch (ApiError e) {
                sendError(ex, e.status(), e.getMessage());
            } catch (UserError e) {
                String m = e.getMessage();
                sendError(ex, m.startsWith("no ") || m.contains(" has no ") ? 404 : 400, m);
            } catch (IOException e) {
                LOG.debug("{} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                sendError(ex, 500, e.toString());
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String raw = ex.getRequestURI().getRawPath();
        String lower = raw.toLowerCase();
        // no path traversal, however spelled
        if (raw.contains("..") || lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || raw.contains("\\")) {
            throw new ApiError(400, "bad path '" + raw + "': no '..', no encoded '.', '/' or '\\'");
        }
        String method = ex.getRequestMethod();
        boolean write = !method.equals("GET") && !method.equals("HEAD");
        if (write || !(openReads || ex.getRemoteAddress().getAddress().isLoopbackAddress())) {
            if (!token.accepts(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"ingot\"");
                throw new ApiError(401, "this needs the daemon's bearer token (Authorization: Bearer TOKEN; see <images>/.ingot/api-token)");
            }
        }
        String path = ex.getRequestURI().getPath();
        List<String> p = segments(path);
        if (p.isEmpty() || p.equals(List.of("index.html"))) {
            page(ex);
            return;
        }
        if (p.equals(List.of("metrics"))) {
            Map<String, Long> c = queue.counts();
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics.text(c.getOrDefault("queued", 0L).intValue(), c.getOrDefault("running", 0L).intValue()).getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!p.get(0).equals("api")) throw new ApiError(404, "no such page: " + path);
        p = p.subList(1, p.size());
        int n = p.size();
        String first = n > 0 ? p.get(0) : "";
        switch (method + " " + first + "/" + n) {
            case "GET templates/1" -> json(ex, 200, templates());
            case "GET templates/2" -> json(ex, 200, template(name(p.get(1))));
            case "GET templates/3" -> {
                String name = name(p.get(1));
                switch (p.get(2)) {
                    case "versions" -> json(ex, 200, template(name).get("versions"));
                    case "channels" -> json(ex, 200, store.catalog().channels(name));
                    default -> throw new ApiError(404, "no such resource: " + path);
                }
            }
            case "GET templates/4" -> {
                expect(p, 2, "versions");
                json(ex, 200, versionJson(version(p.get(1), p.get(3))));
            }
            case "GET templates/5" -> {
                expect(p, 2, "versions");
                expect(p, 4, "files");
                TemplateFiles tf = files(version(p.get(1), p.get(3)));
                json(ex, 200, VersionFiles.of(tf.dir(), Manifest.read(tf.manifest())));
            }
            case "GET templates/6", "HEAD templates/6" -> {
                expect(p, 2, "versions");
                expect(p, 4, "files");
                download(ex, version(p.get(1), p.get(3)), p.get(5));
            }
            case "GET templates/7", "HEAD templates/7" -> { // a RAM template file: files/ram/memory
                expect(p, 2, "versions");
                expect(p, 4, "files");
                download(ex, version(p.get(1), p.get(3)), p.get(5) + "/" + p.get(6));
            }
            case "POST templates/4" -> {
                String name = name(p.get(1));
                if (p.get(2).equals("channels")) {
                    String channel = TemplateRef.checkName(p.get(3), "channel name");
                    JsonNode body = body(ex);
                    if (!body.path("version").canConvertToInt()) throw new ApiError(400, "body must be {\"version\": N}");
                    int version = body.get("version").asInt();
                    TemplateVersion v = store.catalog().version(name, version)
                            .orElseThrow(() -> new ApiError(404, "no template version " + name + ":" + version));
                    if (v.revoked()) throw new ApiError(409, v.ref() + " is revoked; a channel never points at a revoked version");
                    store.catalog().promote(name, version, channel);
                    LOG.info("promoted {}@{} to {}", name, channel, version);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("template", name);
                    m.put("channel", channel);
                    m.put("version", version);
                    json(ex, 200, m);
                } else {
                    throw new ApiError(404, "no such resource: " + path);
                }
            }
            case "POST templates/5" -> {
                expect(p, 2, "versions");
                expect(p, 4, "revoke");
                TemplateVersion v = version(p.get(1), p.get(3));
                JsonNode body = body(ex);
                boolean revoked = !body.has("revoked") || body.get("revoked").asBoolean();
                store.catalog().revoke(v.name(), v.version(), revoked);
                LOG.info("{} {}", v.ref(), revoked ? "revoked" : "un-revoked");
                json(ex, 200, versionJson(store.catalog().version(v.name(), v.version()).orElseThrow()));
            }
            case "GET resolve/2" -> json(ex, 200, versionJson(store.catalog().resolve(TemplateRef.parse(p.get(1)))));
            case "GET clones/1" -> json(ex, 200, store.catalog().clones().stream().map(ApiServer::cloneJson).toList());
            case "GET builds/1" -> json(ex, 200, Map.of("queue", queue.jobs(), "builds", store.catalog().builds()));
            case "POST builds/1" -> {
                JsonNode body = body(ex);
                String recipe = body.path("recipe").asText(null);
                if (recipe == null) throw new ApiError(400, "body must be {\"recipe\": NAME}");
                TemplateRef.checkName(recipe, "recipe name");
                String source = "cli".equals(body.path("source").asText()) ? "cli" : "api";
                BuildQueue.Submitted s = queue.submit(recipe, source);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", s.job().id());
                m.put("recipe", recipe);
                m.put("state", s.job().state());
                m.put("queuedNow", s.queuedNow());
                json(ex, 202, m);
            }
            case "GET builds/2" -> json(ex, 200, build(buildId(p.get(1))));
            case "GET builds/3" -> {
                expect(p, 2, "log");
                String q = ex.getRequestURI().getQuery();
                log(ex, buildId(p.get(1)), q != null && q.contains("follow=1"));
            }
            case "GET schedules/1" -> json(ex, 200, schedules.list());
            case "POST schedules/3" -> {
                expect(p, 2, "resume");
                json(ex, 200, schedules.resume(TemplateRef.checkName(p.get(1), "recipe name")));
            }
            default -> throw new ApiError(404, "no such resource: " + method + " " + path + " (see docs/api.md)");
        }
    }

    // ---- catalog views --------------------------------------------------------------------------

    private List<Map<String, Object>> templates() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : store.catalog().templateNames()) out.add(template(name));
        return out;
    }

    private Map<String, Object> template(String name) {
        List<TemplateVersion> versions = store.catalog().versions(name);
        if (versions.isEmpty()) throw new ApiError(404, "no template '" + name + "'");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("channels", store.catalog().channels(name));
        m.put("versions", versions.stream().map(this::versionJson).toList());
        return m;
    }

    private Map<String, Object> versionJson(TemplateVersion v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("version", v.version());
        m.put("ref", v.ref());
        m.put("revoked", v.revoked());
        m.put("created", v.created());
        m.put("buildId", v.buildId());
        m.put("storages", v.storages());
        m.put("ramTemplate", v.manifest().ram() != null);
        m.put("lineage", v.manifest().lineage());
        m.put("clones", store.catalog().clonesOf(v.name(), v.version()).size());
        m.put("manifest", v.manifest());
        return m;
    }

    private static Map<String, Object> cloneJson(CloneRecord c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("template", c.template() + ":" + c.version());
        m.put("kind", c.kind().name().toLowerCase());
        m.put("storage", c.storage());
        m.put("created", c.created());
        return m;
    }

    private TemplateVersion version(String name, String version) {
        name(name);
        if (!version.matches("\\d{1,9}")) throw new ApiError(400, "bad version '" + version + "': a number");
        int v = Integer.parseInt(version);
        return store.catalog().version(name, v).orElseThrow(() -> new ApiError(404, "no template version " + name + ":" + v));
    }

    private TemplateFiles files(TemplateVersion v) {
        return store.storages().get(v.primaryStorage()).locate(v.name(), v.version())
                .orElseThrow(() -> new ApiError(404, v.ref() + " has no files on storage " + v.primaryStorage()));
    }

    /** Sends one file of a version; only files the version lists, so no name reaches the file system unchecked. */
    private void download(HttpExchange ex, TemplateVersion v, String file) throws IOException {
        TemplateFiles tf = files(v);
        VersionFiles.Entry entry = VersionFiles.of(tf.dir(), Manifest.read(tf.manifest())).stream()
                .filter(e -> e.file().equals(file)).findFirst()
                .orElseThrow(() -> new ApiError(404, v.ref() + " has no file '" + file + "'"));
        Path f = tf.dir().resolve(entry.file());
        long size = Files.size(f);
        long start = 0;
        long end = size - 1;
        int status = 200;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            Matcher m = RANGE.matcher(range.strip());
            if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) throw new ApiError(416, "unsupported Range: " + range);
            if (m.group(1).isEmpty()) {
                start = Math.max(0, size - Long.parseLong(m.group(2)));
            } else {
                start = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty()) end = Math.min(end, Long.parseLong(m.group(2)));
            }
            if (start >= size || start > end) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                throw new ApiError(416, "range " + range + " outside 0-" + (size - 1));
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.getResponseHeaders().set("X-Checksum-Sha256", entry.sha256());
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        long length = end - start + 1;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, length);
        try (RandomAccessFile in = new RandomAccessFile(f.toFile(), "r"); OutputStream out = ex.getResponseBody()) {
            in.seek(start);
            byte[] buf = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) break;
                out.write(buf, 0, r);
                left -= r;
            }
        }
    }

    // ---- builds ---------------------------------------------------------------------------------

    private Map<String, Object> build(String id) throws IOException {
        BuildJob job = queue.job(id);
        BuildRecord record = store.catalog().builds().stream().filter(b -> b.id().equals(id)).findFirst().orElse(null);
        if (job == null && record == null) throw new ApiError(404, "no build " + id);
        String recipe = job != null ? job.recipe() : record.recipe();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("recipe", recipe);
        String state = record != null ? record.status() : job.state();
        if (job != null && (job.state().equals("queued") || job.state().equals("skipped"))) state = job.state();
        m.put("state", state);
        m.put("source", job == null ? "cli" : job.source());
        m.put("started", record == null ? null : record.started());
        m.put("finished", record == null ? null : record.finished());
        m.put("message", record != null ? record.message() : job.message());
        Path timings = buildDir(recipe, id).resolve("timings.json");
        m.put("stages", Files.isRegularFile(timings) ? JSON.readTree(timings.toFile()).path("stages") : List.of());
        return m;
    }

    private Path buildDir(String recipe, String id) {
        return store.paths().builds().resolve(TemplateRef.checkName(recipe, "recipe name")).resolve(id);
    }

    /** The build's log; with follow=1 it streams until the build has finished, like tail -f. */
    private void log(HttpExchange ex, String id, boolean follow) throws IOException {
        Map<String, Object> b = build(id);
        Path log = buildDir((String) b.get("recipe"), id).resolve("build.log");
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (!follow) {
            send(ex, 200, "text/plain; charset=utf-8", Files.isRegularFile(log) ? Files.readAllBytes(log) : new byte[0]);
            return;
        }
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            long pos = 0;
            while (true) {
                boolean done = finished(id);
                if (Files.isRegularFile(log)) {
                    try (InputStream in = Files.newInputStream(log)) {
                        in.skipNBytes(Math.min(pos, Files.size(log)));
                        byte[] chunk = in.readAllBytes();
                        if (chunk.length > 0) {
                            out.write(chunk);
                            out.flush();
                            pos += chunk.length;
                        }
                    }
                }
                if (done) return;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private boolean finished(String id) {
        BuildJob job = queue.job(id);
        if (job != null && (job.state().equals("queued") || job.state().equals("running"))) return false;
        return store.catalog().builds().stream().noneMatch(b -> b.id().equals(id) && b.finished() == null);
    }

    // ---- plumbing -------------------------------------------------------------------------------

    private void page(HttpExchange ex) throws IOException {
        try (InputStream in = ApiServer.class.getResourceAsStream("/web/index.html")) {
            if (in == null) throw new ApiError(500, "web page missing from the jar");
            send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
        }
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) if (!s.isEmpty()) out.add(s);
        return out;
    }

    private static String name(String s) {
        try {
            return TemplateRef.checkName(s, "template name");
        } catch (UserError e) {
            throw new ApiError(400, e.getMessage());
        }
    }

    private static String buildId(String s) {
        if (!BUILD_ID.matcher(s).matches()) throw new ApiError(400, "bad build id '" + s + "' (like 20260101-030000-a1b2c3)");
        return s;
    }

    private static void expect(List<String> p, int i, String word) {
        if (!p.get(i).equals(word)) throw new ApiError(404, "no such resource: /api/" + String.join("/", p));
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] b = ex.getRequestBody().readNBytes(64 * 1024);
        if (b.length == 0) return JSON.createObjectNode();
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new ApiError(400, "body is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static void json(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(value));
    }

    private static void sendError(HttpExchange ex, int status, String message) {
        try {
            json(ex, status, Map.of("error", message == null ? "error" : message));
        } catch (IOException | RuntimeException ignored) {
            // the client went away or headers were already sent
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
