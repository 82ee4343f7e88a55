package io.ingot.daemon;

import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Pull;
import io.ingot.distribution.S3Push;
import io.ingot.fleet.BuildEvent;
import io.ingot.fleet.S3Delivery;
import io.ingot.images.ImageStore;
import io.ingot.it.LocalS3;
import io.ingot.qemu.ImportDisks;
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
 * A base image backed by a host file, pushed with a consistent manifest and sha256s to a real S3-compatible server
 * (s3proxy, in-process, on loopback): {@code ingot s3 pull}'s code and the daemon's registration of a worker's
 * result (which pulls from the fleet's bucket) both refuse it with one line, register nothing and leave nothing in
 * the download area or the storage.
 */
class S3ImportCheckTest {
    private static final String KEY_ID = "ingot-test-access";
    private static final String SECRET = "ingot-test-secret";
    private static final S3Location FLEET = S3Location.parse("s3://fleet/site");
    @RegisterExtension
    static final LocalS3 S3 = LocalS3.forClass(KEY_ID, SECRET, FLEET.bucket());
    @TempDir Path tmp;
    private ImageStore store;
    private Path host;

    @BeforeEach
    void pushEvil() throws IOException {
        Path images = tmp.resolve("images");
        store = ImageStore.open(new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot")));
        host = ImportDisks.hostFile(tmp);
        Path disk = ImportDisks.hostBacked(tmp.resolve("disk.qcow2"), host);
        // laid out as ingot s3 push lays a version out: disk.qcow2, then the manifest, each with its sha256
        byte[] manifest = ("{\"name\": \"evil\", \"version\": 1, \"buildId\": \"b-evil\", \"disk\": {\"file\": \"disk.qcow2\","
                + " \"format\": \"qcow2\", \"virtualSize\": 1048576, \"actualSize\": " + Files.size(disk) + ", \"sha256\": \""
                + Sha256.of(disk) + "\"}}").getBytes(StandardCharsets.UTF_8);
        String diskSha = Sha256.of(disk);
        // signed by the daemon's own key (as its own worker's would be): the import check still stands
        byte[] env = Signed.envelope(store.trust(), Map.of("disk.qcow2", diskSha, "manifest.json", Sha256.of(manifest)));
        try (S3Client s3 = S3.clients().create()) {
            s3.putObject(b -> b.bucket(FLEET.bucket()).key(FLEET.versionKey("evil", 1, VersionTrust.ENVELOPE)), RequestBody.fromBytes(env));
            s3.putObject(b -> b.bucket(FLEET.bucket()).key(FLEET.versionKey("evil", 1, "disk.qcow2"))
                    .metadata(Map.of(S3Push.SHA256_META, diskSha)), RequestBody.fromFile(disk));
            s3.putObject(b -> b.bucket(FLEET.bucket()).key(FLEET.versionKey("evil", 1, "manifest.json"))
                    .metadata(Map.of(S3Push.SHA256_META, Sha256.of(manifest))), RequestBody.fromBytes(manifest));
        }
    }

    @Test
    void s3PullRefusesAHostBackedBaseImage() throws Exception {
        UserError e;
        try (S3Client s3 = S3.clients().create()) {
            e = assertThrows(UserError.class, () -> new S3Pull(store, s3, line -> { }, n -> { }).pull(FLEET + "/evil:1", null));
        }
        assertEquals(refusal(), e.getMessage());
        assertNothingKept();
    }

    @Test
    void aWorkersResultBackedByAHostFileIsNotRegistered() throws Exception {
        BuildJob job = new BuildJob("b-evil", "evil", "cli", Instant.now(), "running", null).sent(1, null, "latest", "hash");
        BuildEvent done = new BuildEvent("b-evil", "evil", BuildEvent.SUCCEEDED, "worker1", 1, Instant.now(), Instant.now(),
                "built", "evil:1", S3Delivery.url(FLEET, "evil:1"), null, null);
        UserError e = assertThrows(UserError.class, () -> new Registrar(store, S3.clients()).register(job, done));
        assertEquals(refusal(), e.getMessage());
        // BuildQueue gives up on a refused result at once instead of fetching it again REGISTER_ATTEMPTS times
        org.junit.jupiter.api.Assertions.assertInstanceOf(io.ingot.qemu.ImageCheck.Refused.class, e);
        assertNothingKept();
    }

    private String refusal() {
        return "disk.qcow2 of evil:1: refused: a base image stands alone, but it names a backing file: " + host
                + " (an absolute path on this host)";
    }

    private void assertNothingKept() throws IOException {
        Path images = store.paths().images();
        assertEquals(List.of(), list(images.resolve(".s3-pull")), "nothing in the download area");
        assertEquals(List.of(), list(images.resolve("templates")), "no version folder, not even a temporary one");
        assertTrue(store.catalog().templateNames().isEmpty(), "no catalog row");
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
