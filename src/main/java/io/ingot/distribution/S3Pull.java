package io.ingot.distribution;

import io.ingot.catalog.ChannelMove;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.Publisher;
import io.ingot.storage.Feature;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.trust.Revocations;
import io.ingot.trust.TrustPolicy;
import io.ingot.trust.Verified;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Concurrently;
import io.ingot.util.LimitedRead;
import io.ingot.util.ProgressBar;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.apache.commons.io.input.BoundedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * {@code ingot s3 pull s3://bucket[/prefix]/NAME[:VERSION|@CHANNEL]}: downloads a pushed version into
 * {@code images/.s3-pull/} (a partial download is resumed with a range request while the object's ETag is
 * unchanged), reads the manifest strictly and no further than 1 MiB, holds every object's size (from its HEAD) to
 * {@link io.ingot.images.PullLimits} before downloading it, verifies every file's sha256 against its object
 * metadata and the manifest (a refusal removes the download), then registers it as
 * every pulled version is ({@link io.ingot.images.Publisher#register}): on a storage, under its own version
 * number, in the catalog with the channel it was pulled by. Before a byte of the version is downloaded, its
 * provenance ({@value VersionTrust#ENVELOPE}) must be signed by a trusted key over exactly the manifest and the files
 * it names ({@link TrustPolicy}); a version the template's signed revocation list names is registered revoked, and
 * {@code NAME} alone never resolves to one.
 */
public final class S3Pull {
    private static final Logger LOG = LoggerFactory.getLogger(S3Pull.class);
    /** The most entries a listing of one template's versions may hold (versions are numbered 1 to 999999999). */
    static final int MAX_LISTED = 100_000;
    /** Files downloaded at once: the two large ones (base image, memory file) and the small ones beside them. */
    static final int DOWNLOADS = 3;

    private final ImageStore store;
    private final S3Client s3;
    private final Consumer<String> progress;
    private final LongConsumer diskBytes;
    private final ProgressBar.Factory bars;
    private final TrustPolicy policy;

    /** {@code diskBytes} hears the disk's downloaded byte count as it grows (progress display). */
    public S3Pull(ImageStore store, S3Client s3, Consumer<String> progress, LongConsumer diskBytes) {
        this(store, s3, progress, diskBytes, ProgressBar.Factory.NONE);
    }

    /** {@code bars}: each download's progress (the CLI's: a bar on a terminal). */
    public S3Pull(ImageStore store, S3Client s3, Consumer<String> progress, LongConsumer diskBytes, ProgressBar.Factory bars) {
        this(store, s3, progress, diskBytes, bars, null);
    }

    /** {@code policy}: what a version must carry (null: {@code images/trust.yaml}'s, by default signed). */
    public S3Pull(ImageStore store, S3Client s3, Consumer<String> progress, LongConsumer diskBytes, ProgressBar.Factory bars,
                  TrustPolicy policy) {
        this.policy = policy;
        this.bars = bars;
        this.store = store;
        this.s3 = s3;
        this.progress = progress;
        this.diskBytes = diskBytes;
    }

    /** What a pull did: the version, where it landed, and how many disk bytes a resumed download skipped. */
    /** {@code channel}: what became of the channel the version was registered with (null: none). */
    public record Pulled(TemplateVersion version, String storage, long resumedFrom, long diskBytes, ChannelMove channel) { }

    public Pulled pull(String url, String storage) throws IOException {
        return pull(url, storage, S3Location.parseSource(url).ref().channel());
    }

    /** The same, registering the version with {@code channel} pointed at it (null: none). */
    public Pulled pull(String url, String storage, String channel) throws IOException {
        LOG.debug("s3 pull: start");
        S3Location.Source src = S3Location.parseSource(url);
        S3Location at = src.location();
        TemplateRef ref = src.ref();
        String name = ref.name();
        VersionTrust trust = store.trust();
        TrustPolicy require = policy != null ? policy : trust.policy();
        int version = ref.version() != null ? ref.version() : ref.channel() != null ? channel(at, name, ref.channel()) : latest(at, name, trust);

        String of = name + ":" + version;
        String target = storage == null ? "local" : storage;
        // downloaded in the version's own layout, then registered as any pulled version is
        Path work = store.paths().images().resolve(".s3-pull").resolve(at.bucket() + "-" + name + "-" + version);
        Publisher.Published registered;
        long bytes;
        long resumedFrom;
        try {
            // the manifest, the provenance and the revocation list at once, each one GET (the manifest's sha256 is in
            // its answer's metadata; a missing envelope or list is a 404): no HEAD before them
            List<Small> first = Concurrently.runIo(3,
                    () -> small(at, at.versionKey(name, version, "manifest.json"), url, "a manifest is never that large", true),
                    () -> small(at, at.versionKey(name, version, VersionTrust.ENVELOPE), at + "/" + of, "an envelope is never that large", false),
                    () -> small(at, at.key(name, Revocations.FILE), at + "/" + name, "a revocation list is never that large", false));
            byte[] manifestBytes = first.get(0).bytes();
            String manifestSha = first.get(0).sha256();
            if (manifestSha != null && !manifestSha.equals(Sha256.of(manifestBytes))) {
                throw new UserError("sha256 mismatch for " + at.versionKey(name, version, "manifest.json") + " in bucket " + at.bucket());
            }
            LOG.debug("s3 pull: manifest");
            Manifest m = Manifest.fromForeign(manifestBytes, Manifest.FILE_NAME + " of " + at + "/" + of);
            if (!name.equals(m.name()) || m.version() == null || m.version() != version || m.disk() == null) {
                throw new UserError(at + ": the manifest at " + name + "/" + version + " says " + m.ref() + " (or has no disk)");
            }
            var existing = store.catalog().version(name, version);
            if (existing.isPresent()) {
                throw new UserError(name + ":" + version + " is already in the catalog" + (Objects.equals(existing.get().buildId(), m.buildId())
                        ? " (the same build)" : " and is another build (" + existing.get().buildId() + "); remove it first"));
            }
            store.storages().get(target).require(Feature.TEMPLATE);
            String diskFile = TemplateRef.checkVersionFile(m.disk().file());
            Path part = work.resolve(diskFile + ".part");
            resumedFrom = Files.isRegularFile(part) ? Files.size(part) : 0;
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put(diskFile, at.versionKey(name, version, "disk.qcow2"));
            Map<String, String> shas = new LinkedHashMap<>();
            shas.put(diskFile, m.disk().sha256());
            Map<String, Long> listedSizes = new LinkedHashMap<>(); // of RAM files, as the manifest lists them
            for (Manifest.RamFile f : m.ram() == null ? List.<Manifest.RamFile>of() : S3Push.ramFiles(m.ram())) {
                String file = TemplateRef.checkVersionFile(f.file());
                keys.put(file, at.versionKey(name, version, file));
                shas.put(file, f.sha256());
                listedSizes.put(file, f.size());
            }
            if (m.sbom() != null) {
                String file = TemplateRef.checkVersionFile(m.sbom().file());
                keys.put(file, at.versionKey(name, version, file));
                shas.put(file, m.sbom().sha256());
            }
            // the signature, over the manifest and every file it names, before any of them is downloaded
            Map<String, String> signed = new LinkedHashMap<>(shas);
            signed.put(Manifest.FILE_NAME, Sha256.of(manifestBytes));
            Verified verified = trust.check(of + " in " + at, first.get(1) == null ? null : first.get(1).bytes(), signed, require).orElse(null);
            if (verified == null) progress.accept(of + " is not signed: accepted as trust.require is none");
            else progress.accept(of + ": signed by key " + verified.keyId() + " (" + verified.keySource() + "), builder " + verified.builder());
            LOG.debug("s3 pull: signature checked");
            Set<Integer> revoked = first.get(2) == null ? Set.of()
                    : Revocations.read(name, first.get(2).bytes(), trust.trusted(), at.toString());
            LOG.debug("s3 pull: revocations");
            // every object's size from its HEAD (all at once), held to the limits before a byte is downloaded
            List<Stored> objects = Concurrently.runIo(4, keys.entrySet().stream().<Concurrently.Step<Stored>>map(k -> () -> {
                HeadObjectResponse h = head(at, k.getValue());
                return new Stored(h, extentMap(at, k.getValue(), h, listedSizes.get(k.getKey()), k.getKey() + " of " + of));
            }).toList());
            Map<String, HeadObjectResponse> heads = new LinkedHashMap<>();
            Map<String, ExtentMap> maps = new LinkedHashMap<>();
            Map<String, Long> sizes = new LinkedHashMap<>();
            long here = 0;
            int i = 0;
            for (String file : keys.keySet()) {
                HeadObjectResponse h = objects.get(i).head();
                ExtentMap map = objects.get(i++).map();
                heads.put(file, h);
                maps.put(file, map);
                long length = map == null ? h.contentLength() : map.size(); // the file's, holes and all: what the limits hold
                sizes.put(file, length);
                Path p = work.resolve(file + ".part");
                if (Files.isRegularFile(p)) here += Math.min(Files.size(p), length);
            }
            sizes.put(Manifest.FILE_NAME, (long) manifestBytes.length);
            LOG.debug("s3 pull: heads");
            store.pullLimits().check(of, sizes, here, work, target);
            Files.createDirectories(work);
            // the files at once (the base image beside the memory file: one waits on the network while another hashes
            // and writes); the first failure stops the others
            List<Path> got = Concurrently.runIo(DOWNLOADS, keys.entrySet().stream().<Concurrently.Step<Path>>map(k -> () -> {
                String file = k.getKey();
                return download(at, k.getValue(), heads.get(file), maps.get(file), work.resolve(file + ".part"), shas.get(file),
                        file + " of " + of, file.equals(diskFile) ? diskBytes : n -> { });
            }).toList());
            Map<String, Path> files = new LinkedHashMap<>();
            int j = 0;
            for (String file : keys.keySet()) files.put(file, got.get(j++));
            LOG.debug("s3 pull: downloaded");
            bytes = Files.size(files.get(diskFile));
            Path manifest = work.resolve(Manifest.FILE_NAME);
            Files.write(manifest, manifestBytes);
            files.put(Manifest.FILE_NAME, manifest);
            boolean isRevoked = revoked.contains(version);
            LOG.debug("s3 pull: register");
            registered = store.publisher().registerVersion(m, files, target, isRevoked ? null : channel, verified);
            if (isRevoked) {
                store.catalog().revoke(name, version, true);
                progress.accept(of + " is revoked in " + at + ": registered revoked (no channel points at it)");
            }
        } catch (UserError e) {
            // refused for what it is (a manifest or a checksum that does not agree, over a limit, an image that fails
            // the import check, a version already there): nothing of it, nor of an earlier try, is worth resuming; a
            // download cut by the network (any other exception) is kept to resume
            Trees.deleteQuietly(work);
            throw e;
        }
        LOG.debug("s3 pull: registered");
        TemplateVersion v = registered.version();
        Trees.delete(work);
        progress.accept("pulled " + v.ref() + " from " + url + " onto storage '" + target + "'"
                + (resumedFrom > 0 ? " (resumed at " + resumedFrom + " bytes)" : ""));
        if (registered.channel() != null && !registered.channel().moved()) progress.accept(registered.channel().note());
        return new Pulled(v, target, resumedFrom, bytes, registered.channel());
    }

    /** The template's revoked versions as the bucket carries them (signed; none when there is no list). */
    private Set<Integer> revoked(S3Location at, String name, VersionTrust trust) throws IOException {
        String key = at.key(name, Revocations.FILE);
        try {
            head(at, key);
        } catch (NoSuchKeyException e) {
            return Set.of();
        }
        return Revocations.read(name, get(at, key, at + "/" + name, "a revocation list is never that large"), trust.trusted(), at.toString());
    }

    private int channel(S3Location at, String name, String channel) throws IOException {
        String text = new String(get(at, at.channelKey(name, channel), at + "/" + name + "@" + channel, "a channel holds a version number"),
                StandardCharsets.UTF_8).strip();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IOException(at.channelKey(name, channel) + " does not hold a version number: '" + text + "'");
        }
    }

    /**
     * The highest version whose manifest is there (a version without one was not pushed completely), from a listing
     * of no more than {@link #MAX_LISTED} entries: one that goes on is refused, not followed page after page.
     */
    private int latest(S3Location at, String name, VersionTrust trust) throws IOException {
        String prefix = at.key(name) + "/";
        List<String> listed;
        try {
            listed = s3.listObjectsV2Paginator(b -> b.bucket(at.bucket()).prefix(prefix).delimiter("/"))
                    .commonPrefixes().stream().limit(MAX_LISTED + 1L).map(CommonPrefix::prefix).toList();
        } catch (SdkClientException e) {
            throw refusal(e).orElseThrow(() -> e);
        }
        if (listed.size() > MAX_LISTED) {
            throw new UserError(at + ": more than " + MAX_LISTED + " entries under " + name + "/ (refused; pull a version by number: "
                    + name + ":N)");
        }
        List<Integer> versions = listed.stream()
                .map(p -> p.substring(Math.min(prefix.length(), p.length())).replace("/", ""))
                .filter(s -> s.matches("[1-9]\\d{0,8}")).map(Integer::valueOf)
                .sorted(Comparator.reverseOrder()).toList();
        Set<Integer> revoked = versions.isEmpty() ? Set.of() : revoked(at, name, trust);
        for (int v : versions) {
            if (revoked.contains(v)) continue; // never resolved to, as in a catalog
            try {
                head(at, at.versionKey(name, v, "manifest.json"));
                return v;
            } catch (NoSuchKeyException e) {
                // incomplete push
            }
        }
        throw new UserError("no version of '" + name + "' in " + at);
    }

    /** The refusal of an answer over {@link S3AnswerCap}'s limit, which the SDK hands on wrapped. */
    private static Optional<UserError> refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UserError u) return Optional.of(u);
        }
        return Optional.empty();
    }

    private HeadObjectResponse head(S3Location at, String key) {
        try {
            return s3.headObject(b -> b.bucket(at.bucket()).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) throw NoSuchKeyException.builder().message(key).build();
            throw e;
        }
    }

    /** A small object (a manifest, a channel), read no further than {@link LimitedRead#JSON_ANSWER}. */
    private byte[] get(S3Location at, String key, String what, String whyNoMore) throws IOException {
        try {
            return LimitedRead.read(s3.getObject(b -> b.bucket(at.bucket()).key(key)), LimitedRead.JSON_ANSWER,
                    key + " in bucket " + at.bucket(), whyNoMore);
        } catch (NoSuchKeyException e) {
            throw new UserError("not found in S3: " + what + " (no object " + key + " in bucket " + at.bucket() + ")");
        }
    }

    /** A small object's bytes and the sha256 its metadata names (null: none). */
    private record Small(byte[] bytes, String sha256) { }

    /** An object's HEAD and, for one pushed without its holes, its extent map (null: the object is the whole file). */
    private record Stored(HeadObjectResponse head, ExtentMap map) { }

    /**
     * A small object (a manifest, an envelope, a revocation list) in one GET, read no further than
     * {@link LimitedRead#JSON_ANSWER}; a missing one is refused when {@code required}, else null.
     */
    private Small small(S3Location at, String key, String what, String whyNoMore, boolean required) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(at.bucket()).key(key))) {
            byte[] bytes = LimitedRead.read(in, LimitedRead.JSON_ANSWER, key + " in bucket " + at.bucket(), whyNoMore);
            return new Small(bytes, in.response().metadata().get(S3Push.SHA256_META));
        } catch (S3Exception e) {
            if (!(e instanceof NoSuchKeyException) && e.statusCode() != 404) throw e;
            if (required) throw new UserError("not found in S3: " + what + " (no object " + key + " in bucket " + at.bucket() + ")");
            return null;
        } catch (SdkClientException e) {
            throw refusal(e).orElseThrow(() -> e);
        }
    }

    /**
     * The extent map of an object pushed without its holes ({@link ExtentMap}), checked against the object's length
     * and the size the manifest lists ({@code listedSize}, null: none); null for an object that is the whole file.
     */
    private ExtentMap extentMap(S3Location at, String key, HeadObjectResponse h, Long listedSize, String what) throws IOException {
        String layout = h.metadata().get(ExtentMap.LAYOUT_META);
        if (layout == null) return null;
        if (!ExtentMap.EXTENTS.equals(layout)) throw new UserError(what + ": object layout '" + layout + "' is not one this ingot reads");
        return ExtentMap.parse(get(at, key + ExtentMap.SUFFIX, what + "'s extent map", "an extent map is never that large"),
                h.contentLength(), listedSize, what);
    }

    /**
     * Downloads into {@code part}, resuming from its length when the object's ETag is the one the partial
     * download began with; verifies sha256 (the object's metadata and the manifest's) and renames it to its final name.
     * With a {@code map}, the object holds only the file's data extents: each is written where the map puts it, the
     * rest left holes (the sha256 is of the whole file, holes read as zeros).
     */
    private Path download(S3Location at, String key, HeadObjectResponse h, ExtentMap map, Path part, String expectedSha, String what,
                          LongConsumer bytes) throws IOException {
        String metaSha = h.metadata().get(S3Push.SHA256_META);
        if (metaSha != null && expectedSha != null && !metaSha.equals(expectedSha)) {
            throw new UserError(what + ": sha256 in its metadata (" + metaSha + ") differs from the manifest's (" + expectedSha + ")");
        }
        Files.createDirectories(part.getParent()); // RAM template files live in ram/
        Path etagFile = part.resolveSibling(part.getFileName() + ".etag");
        long length = map == null ? h.contentLength() : map.size();
        if (Files.isRegularFile(part) && (!Files.isRegularFile(etagFile) || !Files.readString(etagFile).equals(h.eTag())
                || Files.size(part) > length)) {
            Files.delete(part); // another object now, or garbage: start over
        }
        Files.writeString(etagFile, h.eTag());
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        // one pass: the sha256 is taken while writing (after the part's first bytes, read back), zero blocks left holes
        MessageDigest digest = Sha256.digest();
        try (RandomAccessFile raf = new RandomAccessFile(part.toFile(), "rw")) {
            SparseWriter.hashPrefix(raf.getChannel(), have, digest);
            SparseWriter w = new SparseWriter(raf.getChannel(), digest, have);
            try {
                long from = map == null ? have : map.packedOffset(have); // where in the object
                if (from < h.contentLength()) {
                    if (have > 0) progress.accept("resuming " + key + " at " + have + " of " + length + " bytes");
                    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(at.bucket()).key(key)
                            .ifMatch(h.eTag()).range(from > 0 ? "bytes=" + from + "-" : null));
                         ProgressBar bar = bars.open(key, length)) {
                        // no further than the size the limits were checked against; the sha256 decides the rest
                        LongConsumer seen = bar == null ? bytes : n -> {
                            bar.update(n);
                            bytes.accept(n);
                        };
                        InputStream body = BoundedInputStream.builder().setInputStream(in).setMaxCount(h.contentLength() - from).get();
                        if (map == null) copy(body, w, seen);
                        else copy(body, w, map, seen);
                    }
                }
                if (map != null && w.position() >= (map.data().isEmpty() ? 0 : map.data().get(map.data().size() - 1).end())) {
                    w.zerosTo(length); // every extent is in: the rest is the last hole
                }
            } finally {
                raf.setLength(w.position()); // a trailing zero block written as a hole still counts
            }
        }
        String sha = HexFormat.of().formatHex(digest.digest());
        String want = expectedSha != null ? expectedSha : metaSha;
        if (want == null || !want.equals(sha)) {
            throw new UserError(what + ": sha256 " + sha + ", expected " + want + " (nothing kept)");
        }
        // on disk now, while the other files still come in: the publish's fsync of it then finds nothing to write
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Path done = part.resolveSibling(part.getFileName().toString().replaceFirst("\\.part$", ""));
        Files.move(part, done, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(etagFile);
        return done;
    }

    /** The object's bytes, extent after extent, each where the map puts it, from {@code out}'s position on. */
    private static void copy(InputStream in, SparseWriter out, ExtentMap map, LongConsumer bytes) throws IOException {
        byte[] buf = new byte[1 << 20];
        for (var e : map.data()) {
            if (e.end() <= out.position()) continue;
            out.zerosTo(e.start());
            while (out.position() < e.end()) {
                int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, e.end() - out.position()));
                if (n == 0) return; // the object ended early: the sha256 refuses what there is
                out.write(buf, n);
                bytes.accept(out.position());
                stopIfInterrupted();
            }
        }
    }

    private static void copy(InputStream in, SparseWriter out, LongConsumer bytes) throws IOException {
        byte[] buf = new byte[1 << 20];
        for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
            out.write(buf, n);
            bytes.accept(out.position());
            stopIfInterrupted();
        }
    }

    /** Another download of the pull failed: this one stops writing. */
    private static void stopIfInterrupted() throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("stopped: another file of the pull failed");
    }

}
