package io.ingot.distribution;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.Publisher;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.trust.TrustPolicy;
import io.ingot.trust.Verified;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Concurrently;
import io.ingot.util.Json;
import io.ingot.util.LimitedRead;
import io.ingot.util.ProgressBar;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.apache.commons.io.input.BoundedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ingot pull}: fetches a template version (base image, RAM template files, manifest) from another
 * ingot daemon into {@code <state>/pull/NAME-VERSION/}, resuming each {@code .part} file with an HTTP Range
 * request, reading no more than the listed size (each within {@link io.ingot.images.PullLimits}, checked before
 * any download; the JSON answers strictly, within 1 MiB), checks every sha256 against the list, the manifest and the
 * {@code X-Checksum-Sha256} header, then registers the version in the local catalog with its lineage
 * ({@link Publisher#register}). A file left by an earlier pull is used again only if its sha256 still matches;
 * a pull refused for its content (a checksum, a manifest, a file name) leaves nothing behind, while one cut by
 * the network keeps its partial files for the next try. Before the version's files are downloaded, its signed
 * provenance ({@value VersionTrust#ENVELOPE}) must name exactly the listed files and digests and be signed by a
 * trusted key ({@link TrustPolicy}); the daemon never serves a revoked version by name (its resolve refuses it).
 */
public final class Puller {
    private static final Logger LOG = LoggerFactory.getLogger(Puller.class);
    /** What a pull did: the registered version, bytes fetched now, and bytes that were already there (resumed or reused). */
    public record Result(TemplateVersion version, long downloaded, long resumedFrom) { }

    /** Asks a daemon's file list for the data extents of sparse files ({@link VersionFiles.Entry#data}). */
    private static final String[] EXTENTS = {"X-Ingot-Extents", "1"};

    /** Files downloaded at once. */
    static final int DOWNLOADS = 3;

    /** Opened by the caller, perhaps still opening: the pull's first requests do not wait for it. */
    private final CompletableFuture<ImageStore> store;
    private final HttpClient http;
    private final String token;
    private final PrintStream out;
    private final long stopAfterBytes;
    /** Bytes fetched by this puller's downloads (all files), for the {@code stopAfterBytes} hook. */
    private final AtomicLong fetched = new AtomicLong();
    private final ProgressBar.Factory bars;
    private TrustPolicy policy;

    /**
     * @param token          bearer token for daemons that do not open reads to this address (null: none)
     * @param stopAfterBytes test hook: fail as if the connection dropped after this many bytes (-1: never)
     */
    public Puller(ImageStore store, String token, PrintStream out, long stopAfterBytes) {
        this(store, token, out, stopAfterBytes, ProgressBar.Factory.NONE);
    }

    /** {@code bars}: each file's download progress (ingot pull's: a bar on a terminal). */
    public Puller(ImageStore store, String token, PrintStream out, long stopAfterBytes, ProgressBar.Factory bars) {
        this(store, token, out, stopAfterBytes, bars, null);
    }

    /** {@code tls}: whom https:// connections trust (a pinned certificate, a CA file; null: the JDK's defaults). */
    public Puller(ImageStore store, String token, PrintStream out, long stopAfterBytes, ProgressBar.Factory bars, SSLContext tls) {
        this(CompletableFuture.completedFuture(store), token, out, stopAfterBytes, bars, tls);
    }

    /**
     * {@code store} still opening (ingot pull: a new images folder takes a few tenths of a second): the resolve, the
     * file list and the envelope are fetched meanwhile.
     */
    public Puller(CompletableFuture<ImageStore> store, String token, PrintStream out, long stopAfterBytes, ProgressBar.Factory bars,
                  SSLContext tls) {
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        this.http = (tls == null ? http : http.sslContext(tls)).build();
        this.store = store;
        this.token = token;
        this.out = out;
        this.stopAfterBytes = stopAfterBytes;
        this.bars = bars;
    }

    /** What a version must carry (null, the default: {@code images/trust.yaml}'s, by default signed). */
    public Puller requiring(TrustPolicy policy) {
        this.policy = policy;
        return this;
    }

    public Result pull(URI daemon, String refText, String storage) throws IOException, InterruptedException {
        TemplateRef ref = TemplateRef.parse(refText);
        String base = daemon.toString().replaceAll("/+$", "");
        LOG.debug("pull: start");
        JsonNode remote = getJson(base + "/api/resolve/" + ref);
        LOG.debug("pull: resolved");
        String name = TemplateRef.checkName(remote.path("name").asText(), "template name");
        int version = remote.path("version").asInt();
        if (!ref.name().equals(name) || version < 1) throw new UserError(daemon + " answered " + name + ":" + version + " for " + ref);
        String filesUrl = base + "/api/templates/" + name + "/versions/" + version + "/files";
        Map<String, VersionFiles.Entry> listed;
        byte[] envelope;
        try {
            // a daemon of this ingot then also lists each sparse file's data extents (an older one ignores the header)
            listed = checkList(entries(getJson(filesUrl, EXTENTS), filesUrl), daemon);
            envelope = envelope(name + ":" + version + " from " + daemon, listed, filesUrl);
        } catch (UserError e) {
            Trees.deleteQuietly(pullDir(store(), name, version)); // refused (see below): an earlier try is not worth resuming
            throw e;
        }
        LOG.debug("pull: listed");
        ImageStore store = store();
        if (store.catalog().version(name, version).isPresent()) {
            throw new UserError(name + ":" + version + " is already in the local catalog");
        }
        Path dir = pullDir(store, name, version);
        try {
            Map<String, Long> sizes = new LinkedHashMap<>();
            listed.forEach((file, e) -> sizes.put(file, e.size()));
            Verified verified = checkSignature(store, name + ":" + version + " from " + daemon, listed, envelope);
            LOG.debug("pull: signature checked");
            store.pullLimits().check(name + ":" + version, sizes, alreadyHere(dir, listed), dir, storage);
            Files.createDirectories(dir);
            String of = name + ":" + version + " from " + daemon;
            Map<String, Path> files = new LinkedHashMap<>();
            long downloaded = 0;
            long resumed = 0;
            for (Got g : fetchAll(listed.values(), dir, filesUrl, of)) {
                files.put(g.file(), g.path());
                downloaded += g.downloaded();
                resumed += g.resumed();
            }
            LOG.debug("pull: downloaded");
            Manifest manifest = Manifest.fromForeign(Files.readAllBytes(files.get(Manifest.FILE_NAME)),
                    Manifest.FILE_NAME + " of " + name + ":" + version + " from " + daemon);
            checkManifest(manifest, name, version, listed, daemon);
            Publisher.Published registered = store.publisher().registerVersion(manifest, files, storage, ref.channel(), verified);
            LOG.debug("pull: registered");
            TemplateVersion v = registered.version();
            if (registered.channel() != null && !registered.channel().moved()) out.println(registered.channel().note());
            Trees.delete(dir);
            return new Result(v, downloaded, resumed);
        } catch (UserError e) {
            // refused for what it is (a list, a manifest or a checksum that does not agree, over a limit, an image that
            // fails the import check), not cut by the network: nothing of it, nor of an earlier try, is worth resuming
            Trees.deleteQuietly(dir);
            throw e;
        }
    }

    /** One file in the pull folder: where, bytes fetched now, bytes an earlier try left. */
    private record Got(String file, Path path, long downloaded, long resumed) { }

    /**
     * Every listed file, {@value #DOWNLOADS} at a time (the base image beside the memory file: one waits on the network
     * while the other hashes and writes, the small ones beside them); the first failure stops the others before it is
     * thrown, so nothing writes on after.
     */
    private List<Got> fetchAll(Collection<VersionFiles.Entry> entries, Path dir, String filesUrl, String of)
            throws IOException, InterruptedException {
        return Concurrently.run(DOWNLOADS, entries.stream().<Concurrently.Step<Got>>map(e -> () -> fetchOne(e, dir, filesUrl, of)).toList());
    }

    private Got fetchOne(VersionFiles.Entry e, Path dir, String filesUrl, String of) throws IOException, InterruptedException {
        Path done = dir.resolve(e.file());
        Path part = dir.resolve(e.file() + ".part");
        Files.createDirectories(part.getParent()); // RAM template files live in ram/
        if (Files.isRegularFile(done)) {
            // left by an earlier pull that failed later on: only what still matches the list is used
            if (Files.size(done) == e.size() && Sha256.of(done).equals(e.sha256())) {
                out.println("  " + e.file() + ": " + e.size() + " bytes from an earlier pull, sha256 ok");
                return new Got(e.file(), done, 0, e.size());
            }
            Files.delete(done);
            out.println("  " + e.file() + ": the copy from an earlier pull differs; fetching it again");
        }
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (have > e.size()) {
            Files.delete(part);
            have = 0;
        }
        Fetched f = fetch(URI.create(filesUrl + "/" + e.file()), part, have, e);
        have = f.resumedAt();
        long size = f.length();
        if (size != e.size() || !f.sha256().equals(e.sha256())) {
            Files.delete(part);
            throw new UserError(e.file() + " of " + of + ": " + size + " bytes with sha256 " + f.sha256()
                    + ", listed as " + e.size() + " bytes with sha256 " + e.sha256() + " (nothing kept; pull again)");
        }
        Files.move(part, done);
        LOG.debug("pull: {} done", e.file());
        out.println("  " + e.file() + ": " + size + " bytes, sha256 ok" + (have > 0 ? " (resumed at " + have + ")" : ""));
        return new Got(e.file(), done, f.bytes(), have);
    }

    /**
     * The envelope the daemon lists, fetched alone first (it is small) and held to its listed sha256; null: none listed
     * (unsigned, accepted only under {@link TrustPolicy#NONE}).
     */
    private byte[] envelope(String of, Map<String, VersionFiles.Entry> listed, String filesUrl) throws IOException, InterruptedException {
        VersionFiles.Entry env = listed.get(VersionTrust.ENVELOPE);
        if (env == null) return null;
        String url = filesUrl + "/" + VersionTrust.ENVELOPE;
        HttpResponse<InputStream> rs = send(request(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] envelope = LimitedRead.read(rs.body(), LimitedRead.JSON_ANSWER, "GET " + url, "an envelope is never that large");
        if (rs.statusCode() != 200 || !Sha256.of(envelope).equals(env.sha256())) {
            throw new UserError(of + ": " + VersionTrust.ENVELOPE + ": HTTP " + rs.statusCode() + ", or not the listed sha256 " + env.sha256());
        }
        return envelope;
    }

    /**
     * The envelope checked against the list: its signature by a trusted key, its subjects exactly the other listed
     * files with their digests (each download is then held to its listed digest). Null: unsigned, accepted under
     * {@link TrustPolicy#NONE}.
     */
    private Verified checkSignature(ImageStore store, String of, Map<String, VersionFiles.Entry> listed, byte[] envelope) throws IOException {
        VersionTrust trust = store.trust();
        TrustPolicy require = policy != null ? policy : trust.policy();
        Map<String, String> files = new LinkedHashMap<>();
        listed.forEach((file, e) -> {
            if (!file.equals(VersionTrust.ENVELOPE)) files.put(file, e.sha256());
        });
        Verified v = trust.check(of, envelope, files, require).orElse(null);
        out.println(v == null ? "  " + of + " is not signed: accepted as trust.require is none"
                : "  signed by key " + v.keyId() + " (" + v.keySource() + "), builder " + v.builder());
        return v;
    }

    /** Where a pull of the version downloads to. */
    private static Path pullDir(ImageStore store, String name, int version) {
        return store.paths().state().resolve("pull").resolve(name + "-" + version);
    }

    /** The images folder, once open (what opening it threw, as it was). */
    private ImageStore store() throws InterruptedException {
        return Concurrently.result(store);
    }

    /** The file list as records; another shape is refused with the URL it came from. */
    private static List<VersionFiles.Entry> entries(JsonNode list, String url) {
        try {
            return Json.MAPPER.convertValue(list, new TypeReference<List<VersionFiles.Entry>>() { });
        } catch (IllegalArgumentException e) {
            throw new UserError("GET " + url + ": not a file list [{file, size, sha256}]");
        }
    }

    /** Bytes of the listed files an earlier pull left in {@code dir} (each counted up to its listed size). */
    private static long alreadyHere(Path dir, Map<String, VersionFiles.Entry> listed) throws IOException {
        long here = 0;
        for (VersionFiles.Entry e : listed.values()) {
            for (Path p : new Path[] {dir.resolve(e.file()), dir.resolve(e.file() + ".part")}) {
                if (Files.isRegularFile(p)) here += Math.min(Files.size(p), e.size());
            }
        }
        return here;
    }

    /** The daemon's file list, by file: names a version folder can hold, each once, sizes, sha256s and manifest.json. */
    static Map<String, VersionFiles.Entry> checkList(List<VersionFiles.Entry> entries, URI daemon) {
        Map<String, VersionFiles.Entry> byFile = new LinkedHashMap<>();
        for (VersionFiles.Entry e : entries) {
            TemplateRef.checkVersionFile(e.file());
            if (e.size() < 0) throw new UserError(daemon + " lists no size for " + e.file());
            if (e.sha256() == null || !e.sha256().matches("[0-9a-f]{64}")) throw new UserError(daemon + " lists no sha256 for " + e.file());
            if (byFile.put(e.file(), e) != null) throw new UserError(daemon + " lists " + e.file() + " twice");
        }
        if (!byFile.containsKey(Manifest.FILE_NAME)) {
            throw new UserError(daemon + " lists no " + Manifest.FILE_NAME + " for this version (is it an ingot daemon?)");
        }
        return byFile;
    }

    /**
     * The manifest names this version, and every file it names (base image, RAM template files) is a plain
     * relative name in the list with the manifest's sha256; the list holds nothing else.
     */
    static void checkManifest(Manifest m, String name, int version, Map<String, VersionFiles.Entry> listed, URI daemon) {
        if (!name.equals(m.name()) || m.version() == null || m.version() != version) {
            throw new UserError("manifest from " + daemon + " is for " + m.ref() + ", not " + name + ":" + version);
        }
        if (m.disk() == null) throw new UserError("manifest from " + daemon + " names no base image");
        Set<String> named = new HashSet<>(Set.of(Manifest.FILE_NAME, VersionTrust.ENVELOPE));
        named.add(checkNamed("base image", m.disk().file(), m.disk().sha256(), listed, daemon));
        if (m.ram() != null) {
            for (Manifest.RamFile f : new Manifest.RamFile[] {m.ram().memoryFile(), m.ram().stateFile(), m.ram().captureOverlay()}) {
                if (f != null) named.add(checkNamed("RAM template file", f.file(), f.sha256(), listed, daemon));
            }
        }
        if (m.sbom() != null) named.add(checkNamed("SBOM", m.sbom().file(), m.sbom().sha256(), listed, daemon));
        for (String file : listed.keySet()) {
            if (!named.contains(file)) throw new UserError(daemon + " lists " + file + ", which the manifest does not name");
        }
    }

    private static String checkNamed(String what, String file, String sha256, Map<String, VersionFiles.Entry> listed, URI daemon) {
        if (file == null || file.startsWith("/") || file.contains("..")) {
            throw new UserError("manifest from " + daemon + " names " + what + " '" + file + "': not a file inside the version folder");
        }
        try {
            TemplateRef.checkVersionFile(file);
        } catch (UserError e) {
            throw new UserError("manifest from " + daemon + " names " + what + " '" + file + "': " + e.getMessage());
        }
        VersionFiles.Entry e = listed.get(file);
        if (e == null) throw new UserError("manifest from " + daemon + " names " + what + " " + file + ", which the daemon did not list");
        if (!e.sha256().equals(sha256)) {
            throw new UserError(what + " " + file + ": sha256 " + e.sha256() + " differs from the manifest's " + sha256);
        }
        return file;
    }

    /** What {@link #fetch} did: bytes fetched now, where it took up the part file, the sha256 of the whole file. */
    private record Fetched(long bytes, long resumedAt, String sha256, long length) { }

    /**
     * Fetches the rest of one file into {@code part} from {@code have} on (bytes an earlier try wrote, in order): only
     * its data extents when the daemon listed them, the rest left holes, each zero block of the data too (the file
     * stays as sparse as it was at the source). One pass: the sha256 of all {@code e.size()} bytes (holes as zeros) is
     * taken while writing, the part's first {@code have} bytes read back first. Never past the listed size.
     */
    private Fetched fetch(URI uri, Path part, long have, VersionFiles.Entry e) throws IOException, InterruptedException {
        MessageDigest sha = Sha256.digest();
        long got = 0;
        ProgressBar bar = bars.open(e.file(), e.size());
        try (RandomAccessFile raf = new RandomAccessFile(part.toFile(), "rw")) {
            SparseWriter.hashPrefix(raf.getChannel(), have, sha);
            SparseWriter w = new SparseWriter(raf.getChannel(), sha, have);
            for (QemuImg.Extent x : e.fetch()) {
                long from = Math.max(x.start(), have);
                if (from >= x.end()) continue;
                w.zerosTo(from);
                try (InputStream in = range(uri, from, x.end() - 1, e)) {
                    byte[] buf = new byte[1 << 20];
                    for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
                        w.write(buf, n);
                        got += n;
                        if (bar != null) bar.update(w.position());
                        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("stopped: another file of the pull failed");
                        long all = fetched.addAndGet(n);
                        if (stopAfterBytes >= 0 && all >= stopAfterBytes) {
                            throw new IOException("download interrupted after " + all + " bytes (test hook)");
                        }
                    }
                }
                if (w.position() != x.end()) { // a whole answer, shorter than listed: the checksum check refuses it
                    return new Fetched(got, have, HexFormat.of().formatHex(sha.digest()), w.position());
                }
            }
            w.zerosTo(e.size());
            raf.setLength(e.size()); // the last hole, if any
            // on disk now, while the other files still come in: the publish's fsync of it then finds nothing to write
            raf.getChannel().force(true);
            return new Fetched(got, have, HexFormat.of().formatHex(sha.digest()), Files.size(part));
        } finally {
            if (bar != null) bar.close();
        }
    }

    /** Bytes {@code first..last} of a listed file, checked to be those (a daemon that ignores the range is refused). */
    private InputStream range(URI uri, long first, long last, VersionFiles.Entry e) throws IOException, InterruptedException {
        boolean whole = first == 0 && last == e.size() - 1;
        HttpRequest.Builder rq = request(uri);
        if (!whole) rq.header("Range", "bytes=" + first + "-" + last);
        HttpResponse<InputStream> rs = send(rq.build(), HttpResponse.BodyHandlers.ofInputStream());
        boolean ignored = !whole && rs.statusCode() == 200; // a server that does not take ranges sends it all: skip to first
        if (rs.statusCode() != (whole || ignored ? 200 : 206)) {
            String body;
            try (InputStream in = rs.body()) {
                body = new String(in.readNBytes(4096));
            }
            throw new UserError("GET " + uri + (whole ? "" : " bytes " + first + "-" + last) + ": HTTP " + rs.statusCode() + " " + body.strip());
        }
        String sha = rs.headers().firstValue("X-Checksum-Sha256").orElse(null);
        if (sha != null && !sha.equals(e.sha256())) {
            rs.body().close();
            throw new UserError(uri + ": X-Checksum-Sha256 " + sha + " differs from the listed " + e.sha256());
        }
        if (ignored) {
            InputStream all = rs.body();
            all.skipNBytes(first);
            return BoundedInputStream.builder().setInputStream(all).setMaxCount(last - first + 1).get();
        }
        if (!whole && !rs.headers().firstValue("Content-Range").orElse("").startsWith("bytes " + first + "-" + last + "/")) {
            rs.body().close();
            throw new UserError(uri + ": asked for bytes " + first + "-" + last + ", got " + rs.headers().firstValue("Content-Range").orElse("no Content-Range"));
        }
        // a server that sends more than it listed (or never stops) is cut there; the sha256 decides
        return BoundedInputStream.builder().setInputStream(rs.body()).setMaxCount(last - first + 1).get();
    }

    /** A JSON answer of the daemon, read no further than {@link LimitedRead#JSON_ANSWER}. */
    private JsonNode getJson(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder rq = request(URI.create(url));
        if (headers.length > 0) rq.headers(headers);
        HttpResponse<InputStream> rs = send(rq.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (rs.statusCode() != 200) {
            String msg = new String(LimitedRead.read(rs.body(), 4096, "GET " + url + ": HTTP " + rs.statusCode(),
                    "an error is never that long"), StandardCharsets.UTF_8);
            try {
                msg = Json.MAPPER.readTree(msg).path("error").asText(msg);
            } catch (IOException ignored) {
                // not JSON: keep the body
            }
            throw new UserError("GET " + url + ": HTTP " + rs.statusCode() + ": " + msg.strip().replaceAll("\\s+", " "));
        }
        byte[] body = LimitedRead.read(rs.body(), LimitedRead.JSON_ANSWER, "GET " + url, "an answer of the API is never that large");
        return Json.foreign(body, "GET " + url);
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
}
