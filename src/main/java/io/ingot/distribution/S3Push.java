package io.ingot.distribution;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.trust.Dsse;
import io.ingot.trust.Provenance;
import io.ingot.trust.Revocations;
import io.ingot.trust.Verified;
import io.ingot.trust.VersionTrust;
import io.ingot.util.ProgressBar;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code ingot s3 push NAME:VERSION s3://bucket[/prefix]}: the base image as compressed qcow2 (one PutObject, or multipart past 4 GiB),
 * the RAM template files when the version has them (a sparse one without its holes: {@link ExtentMap}), then the manifest (last: it marks the version complete)
 * and the channels that point at the version. Every object carries its sha256 in its metadata. A signed version
 * travels signed: its provenance is checked here, then signed again with this site's key over the objects as pushed
 * ({@value VersionTrust#ENVELOPE}, before the manifest); the template's revoked versions go with it, signed
 * ({@value Revocations#FILE}).
 */
public final class S3Push {
    public static final String SHA256_META = "sha256";
    public static final long PART_SIZE = 8L << 20;
    static final double COMPRESSED_ENOUGH = 0.9;
    /** Objects up to this size go in one PutObject (S3 takes up to 5 GiB so). */
    static final long ONE_PUT_UP_TO = 4L << 30;

    private final ImageStore store;
    private final S3Client s3;
    private final QemuImg qemuImg;
    private final Consumer<String> progress;
    private final ProgressBar.Factory bars;

    public S3Push(ImageStore store, S3Client s3, QemuImg qemuImg, Consumer<String> progress) {
        this(store, s3, qemuImg, progress, ProgressBar.Factory.NONE);
    }

    /** {@code bars}: each upload's progress (the CLI's: a bar on a terminal). */
    public S3Push(ImageStore store, S3Client s3, QemuImg qemuImg, Consumer<String> progress, ProgressBar.Factory bars) {
        this.store = store;
        this.s3 = s3;
        this.qemuImg = qemuImg;
        this.progress = progress;
        this.bars = bars;
    }

    /**
     * Refuses a bucket that is not there before anything is compressed or uploaded (the first PutObject would say so
     * only after the whole disk image). Any other answer to the HEAD, such as 403 from a key that may put objects but
     * not list the bucket, leaves it to the uploads.
     */
    private void requireBucket(String bucket) {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e instanceof NoSuchBucketException || e.statusCode() == 404) {
                throw new UserError("s3://" + bucket + ": no such bucket at this endpoint (make it first; ingot s3 push does not)");
            }
        }
    }

    /** What was pushed: the version, its disk's key, size and sha256. */
    public record Pushed(String ref, S3Location to, String diskKey, long diskBytes, String diskSha256, List<String> channels) { }

    public Pushed push(String source, S3Location to) throws IOException {
        TemplateRef ref = TemplateRef.parse(source);
        // NAME:VERSION may name a revoked version: pushed, it carries its revocation to the bucket
        TemplateVersion v = ref.version() == null ? store.catalog().resolve(ref)
                : store.catalog().version(ref.name(), ref.version()).orElseThrow(() -> new UserError("no template version " + ref));
        if (v.revoked()) progress.accept(v.ref() + " is revoked: the bucket's revocation list will say so");
        TemplateFiles files = null;
        for (String s : v.storages()) {
            StorageBackend b = store.storages().get(s);
            files = b.locate(v.name(), v.version()).orElse(null);
            if (files != null) break;
        }
        if (files == null) throw new UserError(v.ref() + " is in the catalog but its files are on none of " + v.storages() + " (run: ingot catalog reindex)");
        requireBucket(to.bucket());
        Path work = Files.createTempDirectory(store.paths().images(), ".s3-push-");
        try {
            Path disk = compressedAlready(files) ? files.baseImage().path() : work.resolve("disk.qcow2");
            if (!disk.startsWith(work)) {
                progress.accept(v.ref() + ": its base image is a compressed qcow2 already, pushed as it is");
            } else {
                progress.accept("compressing " + v.ref() + " from storage '" + files.storage() + "'");
                qemuImg.convert(files.baseImage().target(), files.format(), disk.toString(), "qcow2", true);
            }
            // checked before anything is uploaded: a version whose files no longer match its signature is not shipped
            // (the digests taken for it are the ones pushed: each file read once more, not twice)
            Path signedBy = files.dir().resolve(VersionTrust.ENVELOPE);
            Map<String, String> here = Files.isRegularFile(signedBy) ? VersionTrust.digests(files.dir(), Map.of()) : Map.of();
            Verified provenance = Files.isRegularFile(signedBy)
                    ? VersionTrust.verify(v.ref(), Files.readAllBytes(signedBy), here, store.trust().trusted()) : null;
            Path dir = files.dir();
            Function<Path, String> shaOf = p -> p.startsWith(dir) ? here.get(dir.relativize(p).toString().replace('\\', '/')) : null;
            Map<String, String> pushed = new TreeMap<>();
            String sha = sha256(disk, shaOf);
            long size = Files.size(disk);
            pushed.put("disk.qcow2", sha);
            String diskKey = to.versionKey(v.name(), v.version(), "disk.qcow2");
            progress.accept(String.format("uploading %s (%.1f MiB) to s3://%s/%s", v.ref(), size / 1048576.0, to.bucket(), diskKey));
            upload(to.bucket(), diskKey, disk, sha);

            Manifest m = v.manifest();
            if (m.ram() != null) {
                // RAM template files live beside the version on a filesystem the node maps (docs/storage.md)
                for (Manifest.RamFile f : ramFiles(m.ram())) {
                    Path file = files.dir().resolve(f.file());
                    if (!Files.isRegularFile(file)) throw new UserError(v.ref() + ": RAM template file " + file + " is missing");
                    String fileSha = sha256(file, shaOf);
                    uploadRam(to.bucket(), to.versionKey(v.name(), v.version(), f.file()), file, fileSha);
                    pushed.put(f.file(), fileSha);
                }
            }
            if (m.sbom() != null) {
                Path file = files.dir().resolve(TemplateRef.checkVersionFile(m.sbom().file()));
                if (!Files.isRegularFile(file)) throw new UserError(v.ref() + ": its SBOM " + file + " is missing");
                String sbomSha = sha256(file, shaOf);
                upload(to.bucket(), to.versionKey(v.name(), v.version(), m.sbom().file()), file, sbomSha);
                pushed.put(m.sbom().file(), sbomSha); // signed with the rest
            }
            QemuImg.Info info = qemuImg.info(disk, "qcow2");
            byte[] manifest = m.withDisk(new Manifest.Disk("disk.qcow2", "qcow2", info.virtualSize(), size, sha)).toJson()
                    .getBytes(StandardCharsets.UTF_8);
            pushed.put(Manifest.FILE_NAME, Sha256.of(manifest));
            if (provenance != null) {
                byte[] envelope = store.trust().signPayload(Dsse.IN_TOTO, Provenance.statement(pushed, provenance.predicate())).toJson();
                put(to.bucket(), to.versionKey(v.name(), v.version(), VersionTrust.ENVELOPE), envelope);
            } else {
                progress.accept(v.ref() + " is not signed here: pushed without provenance (a pull elsewhere refuses it unless it allows unsigned versions)");
            }
            s3.putObject(PutObjectRequest.builder().bucket(to.bucket()).key(to.versionKey(v.name(), v.version(), "manifest.json"))
                    .metadata(Map.of(SHA256_META, Sha256.of(manifest))).contentType("application/json").build(),
                    RequestBody.fromBytes(manifest));
            List<String> channels = new ArrayList<>();
            for (var c : store.catalog().channels(v.name()).entrySet()) {
                if (c.getValue() != v.version()) continue;
                s3.putObject(PutObjectRequest.builder().bucket(to.bucket()).key(to.channelKey(v.name(), c.getKey())).build(),
                        RequestBody.fromString(Integer.toString(v.version())));
                channels.add(c.getKey());
            }
            Set<Integer> revoked = new TreeSet<>();
            for (TemplateVersion other : store.catalog().versions(v.name())) if (other.revoked()) revoked.add(other.version());
            put(to.bucket(), to.key(v.name(), Revocations.FILE),
                    store.trust().signPayload(Revocations.PAYLOAD_TYPE, Revocations.body(v.name(), revoked)).toJson());
            return new Pushed(v.ref(), to, diskKey, size, sha, channels);
        } finally {
            Trees.delete(work);
        }
    }

    /** {@code file}'s sha256: as {@code known} took it (the provenance check), else read now. */
    private static String sha256(Path file, Function<Path, String> known) throws IOException {
        String sha = known.apply(file);
        return sha != null ? sha : Sha256.of(file);
    }

    /**
     * A base image that is a qcow2 file of its own (no backing file) with at least {@value #COMPRESSED_ENOUGH} of its
     * clusters compressed (as a build stores it) goes as it is: compressing it again costs more than the upload.
     */
    private boolean compressedAlready(TemplateFiles files) throws IOException {
        if (!files.baseImage().isFile() || !"qcow2".equals(files.format())) return false;
        Path p = files.baseImage().path();
        return qemuImg.info(p, "qcow2").backingFilename() == null && qemuImg.compressedShare(p) >= COMPRESSED_ENOUGH;
    }

    private void put(String bucket, String key, byte[] body) {
        s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).metadata(Map.of(SHA256_META, Sha256.of(body)))
                .contentType("application/json").build(), RequestBody.fromBytes(body));
    }

    static List<Manifest.RamFile> ramFiles(Manifest.Ram ram) {
        List<Manifest.RamFile> out = new ArrayList<>();
        for (Manifest.RamFile f : new Manifest.RamFile[]{ram.memoryFile(), ram.stateFile(), ram.captureOverlay()}) {
            if (f != null && f.file() != null) out.add(f);
        }
        return out;
    }

    /**
     * A RAM template file: a sparse one (a memory file is mostly holes) as its data extents only, with its
     * {@link ExtentMap} beside it (put first: an object saying so without its map is never there); else whole.
     */
    private void uploadRam(String bucket, String key, Path file, String sha) throws IOException {
        long size = Files.size(file);
        ExtentMap map = size >= VersionFiles.MAP_FROM ? ExtentMap.of(file, size, qemuImg) : null;
        if (map == null || !map.worthIt()) {
            upload(bucket, key, file, sha);
            return;
        }
        progress.accept(String.format("%s: %.1f of %.1f MiB hold data, the rest (holes) stays out of the bucket",
                key, map.packed() / 1048576.0, size / 1048576.0));
        put(bucket, key + ExtentMap.SUFFIX, map.toJson());
        upload(bucket, key, file, map.data(), Map.of(SHA256_META, sha, ExtentMap.LAYOUT_META, ExtentMap.EXTENTS));
    }

    private void upload(String bucket, String key, Path file, String sha) throws IOException {
        long size = Files.size(file);
        upload(bucket, key, file, size == 0 ? List.of() : List.of(new QemuImg.Extent(0, size)), Map.of(SHA256_META, sha));
    }

    /**
     * Uploads {@code ranges} of {@code file}, one after the other, as one object: up to {@link #ONE_PUT_UP_TO} in one
     * PutObject streamed from the file (a multipart upload costs the server a copy of every part when it completes:
     * 1.5 to 2 times as long through s3proxy), larger ones in {@link #PART_SIZE} parts, aborted on failure so no parts
     * linger in the bucket.
     */
    private void upload(String bucket, String key, Path file, List<QemuImg.Extent> ranges, Map<String, String> meta) throws IOException {
        long size = 0;
        for (QemuImg.Extent r : ranges) size += r.length();
        long length = size;
        try (ProgressBar bar = bars.open(key, size)) {
            if (size <= ONE_PUT_UP_TO) {
                ContentStreamProvider body = () -> {
                    try {
                        return new RangesInputStream(file, ranges, bar);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
                s3.putObject(b -> b.bucket(bucket).key(key).metadata(meta), RequestBody.fromContentProvider(body, length, "application/octet-stream"));
            } else {
                multipart(bucket, key, file, ranges, size, meta, bar);
            }
        }
    }

    private void multipart(String bucket, String key, Path file, List<QemuImg.Extent> ranges, long size, Map<String, String> meta,
                           ProgressBar bar) throws IOException {
        String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).metadata(meta)).uploadId();
        try (InputStream in = new RangesInputStream(file, ranges, null)) {
            List<CompletedPart> parts = new ArrayList<>();
            long sent = 0;
            for (int n = 1; sent < size; n++) {
                byte[] buf = in.readNBytes((int) Math.min(PART_SIZE, size - sent));
                if (buf.length == 0) throw new IOException(file + " shrank while being pushed");
                int part = n;
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(part), RequestBody.fromBytes(buf)).eTag();
                parts.add(CompletedPart.builder().partNumber(part).eTag(etag).build());
                sent += buf.length;
                if (bar != null) bar.update(sent);
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            } catch (RuntimeException ex) {
                e.addSuppressed(ex);
            }
            throw e;
        }
    }
}
