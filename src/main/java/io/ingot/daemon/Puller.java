package io.ingot.daemon;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.ImageStore;
import io.ingot.catalog.Publisher;
import io.ingot.catalog.TemplateVersion;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ingot pull}: fetches a template version (base image, RAM template files, manifest) from another
 * ingot daemon into {@code <state>/pull/NAME-VERSION/}, resuming each {@code .part} file with an HTTP Range
 * request, checks every sha256 against the manifest and the {@code X-Checksum-Sha256} header, then
 * registers the version in the local catalog with its lineage ({@link Publisher#register}).
 */
public final class Puller {
    /** What a pull did: the registered version, bytes fetched now, and bytes that were already there (resumed). */
    public record Result(TemplateVersion version, long downloaded, long resumedFrom) { }

    private final ImageStore store;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String token;
    private final PrintStream out;
    private final long stopAfterBytes;

    /**
     * @param token          bearer token for daemons that do not open reads to this address (null: none)
     * @param stopAfterBytes test hook: fail as if the connection dropped after this many bytes (-1: never)
     */
    public Puller(ImageStore store, String token, PrintStream out, long stopAfterBytes) {
        this.store = store;
        this.token = token;
        this.out = out;
        this.stopAfterBytes = stopAfterBytes;
    }

    public Result pull(URI daemon, String refText, String storage) throws IOException, InterruptedException {
        TemplateRef ref = TemplateRef.parse(refText);
        String base = daemon.toString().replaceAll("/+$", "");
        JsonNode remote = getJson(base + "/api/resolve/" + ref);
        String name = TemplateRef.checkName(remote.path("name").asText(), "template name");
        int version = remote.path("version").asInt();
        if (!ref.name().equals(name) || version < 1) throw new UserError(daemon + " answered " + name + ":" + version + " for " + ref);
        if (store.catalog().version(name, version).isPresent()) {
            throw new UserError(name + ":" + version + " is already in the local catalog");
        }
        List<VersionFiles.Entry> entries = ApiServer.JSON.convertValue(
                getJson(base + "/api/templates/" + name + "/versions/" + version + "/files"), new TypeReference<>() { });
        Path dir = store.paths().state().resolve("pull").resolve(name + "-" + version);
        Files.createDirectories(dir);
        long downloaded = 0;
        long resumed = 0;
        Map<String, Path> files = new LinkedHashMap<>();
        for (VersionFiles.Entry e : entries) {
            String file = TemplateRef.checkVersionFile(e.file());
            Path done = dir.resolve(file);
            Path part = dir.resolve(file + ".part");
            Files.createDirectories(part.getParent()); // RAM template files live in ram/
            if (!Files.isRegularFile(done)) {
                long have = Files.isRegularFile(part) ? Files.size(part) : 0;
                long got = fetch(URI.create(base + "/api/templates/" + name + "/versions/" + version + "/files/" + file),
                        part, have, e, downloaded);
                if (got < 0) { // server ignored the range: started over
                    got = -got;
                    have = 0;
                }
                downloaded += got;
                resumed += have;
                String sha = Publisher.sha256(part);
                if (!sha.equals(e.sha256())) {
                    Files.delete(part);
                    throw new UserError(file + " of " + name + ":" + version + " from " + daemon + ": sha256 " + sha
                            + " does not match " + e.sha256() + " (partial file removed; pull again)");
                }
                Files.move(part, done);
                out.println("  " + file + ": " + Files.size(done) + " bytes, sha256 ok" + (have > 0 ? " (resumed at " + have + ")" : ""));
            }
            files.put(file, done);
        }
        Manifest manifest = Manifest.read(files.get(Manifest.FILE_NAME));
        if (!name.equals(manifest.name()) || manifest.version() == null || manifest.version() != version) {
            throw new UserError("manifest from " + daemon + " is for " + manifest.ref() + ", not " + name + ":" + version);
        }
        String diskSha = entries.stream().filter(x -> x.file().equals(manifest.disk().file())).map(VersionFiles.Entry::sha256)
                .findFirst().orElseThrow(() -> new UserError("the daemon did not list the base image " + manifest.disk().file()));
        if (!diskSha.equals(manifest.disk().sha256())) throw new UserError("base image sha256 differs from the manifest's");
        TemplateVersion v = store.publisher().register(manifest, files, storage, ref.channel());
        deleteTree(dir);
        return new Result(v, downloaded, resumed);
    }

    /** Appends the rest of one file to {@code part}; returns bytes fetched, negated if the server restarted at 0. */
    private long fetch(URI uri, Path part, long have, VersionFiles.Entry e, long pulledBefore) throws IOException, InterruptedException {
        HttpRequest.Builder rq = request(uri);
        if (have > 0) rq.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> rs = send(rq.build(), HttpResponse.BodyHandlers.ofInputStream());
        boolean partial = rs.statusCode() == 206;
        if (rs.statusCode() == 416 && have == e.size()) {
            rs.body().close();
            return 0;
        }
        if (rs.statusCode() != 200 && !partial) {
            String body = new String(rs.body().readAllBytes());
            throw new UserError("GET " + uri + ": HTTP " + rs.statusCode() + " " + body.strip());
        }
        String sha = rs.headers().firstValue("X-Checksum-Sha256").orElse(null);
        if (sha != null && !sha.equals(e.sha256())) {
            throw new UserError(uri + ": X-Checksum-Sha256 " + sha + " differs from the listed " + e.sha256());
        }
        long got = 0;
        try (InputStream in = rs.body(); OutputStream o = Files.newOutputStream(part, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, partial ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                o.write(buf, 0, n);
                got += n;
                if (stopAfterBytes >= 0 && pulledBefore + got >= stopAfterBytes) {
                    throw new IOException("download interrupted after " + (pulledBefore + got) + " bytes (test hook)");
                }
            }
        }
        return partial || have == 0 ? got : -got;
    }

    private JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> rs = send(request(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        if (rs.statusCode() != 200) {
            String msg = rs.body();
            try {
                msg = ApiServer.JSON.readTree(msg).path("error").asText(msg);
            } catch (IOException ignored) {
                // not JSON: keep the body
            }
            throw new UserError("GET " + url + ": HTTP " + rs.statusCode() + ": " + msg.strip());
        }
        return ApiServer.JSON.readTree(rs.body());
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest rq, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        try {
            return http.send(rq, handler);
        } catch (ConnectException e) {
            throw new UserError("cannot connect to " + rq.uri().getHost() + ":" + rq.uri().getPort() + " (is ingot serve running there?)");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
