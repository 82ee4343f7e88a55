package io.ingot.daemon;

import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Pull;
import io.ingot.distribution.S3Push;
import io.ingot.fleet.BuildRequest;
import io.ingot.fleet.S3Delivery;
import io.ingot.images.ImageStore;
import io.ingot.it.LocalS3;
import io.ingot.trust.Signed;
import io.ingot.trust.VersionTrust;
import io.ingot.util.IngotPaths;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot s3 pull} of versions that are not what ingot pushes, from a real S3-compatible server (s3proxy,
 * in-process, on loopback): a manifest with a key twice or of megabytes, a disk over the import limit, a disk whose
 * bytes are not the manifest's. Each is refused with one line before anything is registered, and nothing is left
 * in the download area or the storage.
 */
class S3PullLimitsTest {
    private static final String KEY_ID = "ingot-test-access";
    private static final String SECRET = "ingot-test-secret";
    private static final S3Location BUCKET = S3Location.parse("s3://limits/site");
    private static final byte[] DISK = "qcow2 stand-in, never opened: every case is refused before".getBytes(StandardCharsets.UTF_8);
    @RegisterExtension
    static final LocalS3 S3 = LocalS3.forClass(KEY_ID, SECRET, BUCKET.bucket());
    @TempDir Path tmp;
    private Path images;

    private static S3Client client() {
        return S3.clients().create();
    }

    @BeforeEach
    void paths() {
        images = tmp.resolve("images");
    }

    @Test
    void aManifestWithADuplicateKeyIsRefused() throws Exception {
        push("dup", DISK, manifest("dup", DISK).replace("\"version\": 1,", "\"version\": 1, \"version\": 1,"));
        assertRefused("dup", "manifest.json of " + BUCKET + "/dup:1: not valid JSON: Duplicate field 'version' (line 1, column ");
    }

    @Test
    void aManifestOfMegabytesIsNotRead() throws Exception {
        push("big", DISK, manifest("big", DISK).replace("{\"name\"", "{\"padding\": \"" + "x".repeat(2 << 20) + "\", \"name\""));
        assertRefused("big", BUCKET.versionKey("big", 1, "manifest.json") + " in bucket limits: more than 1M (refused; a manifest is never that large)");
    }

    @Test
    void aWorkerDoesNotReadAManifestOfMegabytesEither() throws Exception {
        push("bigger", DISK, manifest("bigger", DISK).replace("{\"name\"", "{\"padding\": \"" + "x".repeat(2 << 20) + "\", \"name\""));
        ImageStore store = ImageStore.open(new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot")));
        BuildRequest r = new BuildRequest("b-bigger", "bigger", "cli", Instant.now(), 1, null, null, null, S3Delivery.key(BUCKET), 1,
                null, null, null, null);
        UserError e = assertThrows(UserError.class, () -> new S3Delivery(store, BUCKET, S3.clients(), line -> { }).delivered(r));
        assertEquals(BUCKET.versionKey("bigger", 1, "manifest.json") + " in bucket limits: more than 1M (refused; a manifest is never that large)",
                e.getMessage());
    }

    @Test
    void aDiskOverTheImportLimitIsRefusedBeforeItIsDownloaded() throws Exception {
        Files.createDirectories(images);
        Files.writeString(images.resolve("storage.yaml"), "imports:\n  maxVirtualSize: 1K\n");
        byte[] disk = new byte[4096];
        push("large", disk, manifest("large", disk));
        assertRefused("large", "disk.qcow2 of large:1 is listed at 4096 bytes, over imports.maxVirtualSize (1K in "
                + images.resolve("storage.yaml") + ")");
    }

    @Test
    void aDiskThatIsNotTheManifestsIsRefusedAndRemoved() throws Exception {
        byte[] other = "other bytes".getBytes(StandardCharsets.UTF_8);
        // the object's metadata agrees with the manifest; its bytes do not
        push("swapped", other, manifest("swapped", DISK), Sha256.of(DISK));
        assertRefused("swapped", "disk.qcow2 of swapped:1: sha256 " + Sha256.of(other) + ", expected " + Sha256.of(DISK)
                + " (nothing kept)");
    }

    private void assertRefused(String name, String expected) throws IOException {
        ImageStore store = ImageStore.open(new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot")));
        UserError e;
        try (S3Client s3 = client()) {
            e = assertThrows(UserError.class, () -> new S3Pull(store, s3, line -> { }, n -> { }).pull(BUCKET + "/" + name + ":1", null));
        }
        assertTrue(e.getMessage().contains(expected) && !e.getMessage().contains("\n"), e.getMessage());
        assertEquals(List.of(), list(images.resolve(".s3-pull")), "nothing in the download area");
        assertEquals(List.of(), list(images.resolve("templates")), "no version folder");
        assertTrue(store.catalog().templateNames().isEmpty(), "no catalog row");
    }

    private static String manifest(String name, byte[] disk) {
        return "{\"name\": \"" + name + "\", \"version\": 1, \"buildId\": \"b-" + name + "\", \"disk\": {\"file\": \"disk.qcow2\","
                + " \"format\": \"qcow2\", \"virtualSize\": 1048576, \"actualSize\": " + disk.length + ", \"sha256\": \""
                + Sha256.of(disk) + "\"}}";
    }

    private void push(String name, byte[] disk, String manifest) throws IOException {
        push(name, disk, manifest, Sha256.of(disk));
    }

    /**
     * As ingot s3 push lays a version out: disk.qcow2, then the manifest, each with a sha256 in its metadata, signed by
     * the pulling site's own key over the manifest and the disk's sha256 the manifest gives (a source this site trusts,
     * misbehaving).
     */
    private void push(String name, byte[] disk, String manifest, String diskSha) throws IOException {
        byte[] m = manifest.getBytes(StandardCharsets.UTF_8);
        String manifestDiskSha = manifest.replaceFirst("(?s).*\"sha256\": \"([0-9a-f]{64})\".*", "$1");
        byte[] env = Signed.envelope(new VersionTrust(images.resolve(".ingot/keys"), images.resolve("trust")),
                Map.of("disk.qcow2", manifestDiskSha, "manifest.json", Sha256.of(m)));
        try (S3Client s3 = client()) {
            s3.putObject(b -> b.bucket(BUCKET.bucket()).key(BUCKET.versionKey(name, 1, VersionTrust.ENVELOPE)), RequestBody.fromBytes(env));
            s3.putObject(b -> b.bucket(BUCKET.bucket()).key(BUCKET.versionKey(name, 1, "disk.qcow2"))
                    .metadata(Map.of(S3Push.SHA256_META, diskSha)), RequestBody.fromBytes(disk));
            s3.putObject(b -> b.bucket(BUCKET.bucket()).key(BUCKET.versionKey(name, 1, "manifest.json"))
                    .metadata(Map.of(S3Push.SHA256_META, Sha256.of(m))), RequestBody.fromBytes(m));
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
