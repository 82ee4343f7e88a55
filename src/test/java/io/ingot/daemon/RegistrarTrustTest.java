package io.ingot.daemon;

import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Push;
import io.ingot.fleet.BuildEvent;
import io.ingot.fleet.S3Delivery;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.it.LocalS3;
import io.ingot.qemu.ImportDisks;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.trust.KeyFiles;
import io.ingot.trust.Signed;
import io.ingot.trust.Verified;
import io.ingot.trust.VersionTrust;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker signs its builds with its own key: the daemon registers a worker's result from the fleet's bucket (a real
 * S3-compatible server, in-process on loopback) only once an admin enrolled that key; before, it refuses in one line
 * naming the version, the key and the worker, and keeps nothing.
 */
class RegistrarTrustTest {
    private static final S3Location FLEET = S3Location.parse("s3://fleet/site");
    @RegisterExtension
    static final LocalS3 S3 = LocalS3.forClass("ingot-test-access", "ingot-test-secret", FLEET.bucket());
    @TempDir Path tmp;

    @Test
    void aWorkersBuildIsRegisteredOnlyOnceItsKeyIsEnrolled() throws Exception {
        ImageStore worker = open("worker");
        ImageStore daemon = open("daemon");
        Path disk = ImportDisks.qcow2(tmp.resolve("sealed.qcow2"), "1M");
        worker.publisher().publish(new PublishRequest("t", disk, "qcow2", false, Manifest.empty().withBuild("b-1", null, null),
                List.of("local"), "latest"));
        try (S3Client s3 = S3.clients().create()) {
            new S3Push(worker, s3, new QemuImg(), line -> { }).push("t:1", FLEET);
        }
        String workerKey = KeyFiles.keyId(worker.trust().siteKey().load().getPublic());
        BuildJob job = new BuildJob("b-1", "t", "cli", Instant.now(), "running", null).sent(1, null, "latest", "hash");
        BuildEvent done = new BuildEvent("b-1", "t", BuildEvent.SUCCEEDED, "w1", 1, Instant.now(), Instant.now(),
                "built", "t:1", S3Delivery.url(FLEET, "t:1"), null, null);

        VersionTrust.Refused refused = assertThrows(VersionTrust.Refused.class, () -> new Registrar(daemon, S3.clients()).register(job, done));
        assertEquals("t:1 in " + FLEET + ": refused: signed by unknown key " + workerKey + " (not this site's key, not in images/trust/);"
                + " worker w1's key is not enrolled here (on the worker: ingot key export FILE; here: ingot key trust FILE)", refused.getMessage());
        assertInstanceOf(VersionTrust.Refused.class, refused, "BuildQueue does not fetch a refused result again");
        assertTrue(daemon.catalog().templateNames().isEmpty(), "nothing registered");
        assertEquals(List.of(), list(daemon.paths().images().resolve(".s3-pull")), "nothing in the download area");
        assertEquals(List.of(), list(daemon.paths().images().resolve("templates")), "no version folder");

        Signed.enrol(worker.trust(), daemon.trust());
        new Registrar(daemon, S3.clients()).register(job, done);
        TemplateVersion v = daemon.catalog().version("t", 1).orElseThrow();
        assertEquals("b-1", v.buildId());
        // kept signed: by the daemon's key over the files as it stores them, the worker's provenance kept
        Verified ok = daemon.verify(v);
        assertEquals(KeyFiles.keyId(daemon.trust().siteKey().load().getPublic()), ok.keyId());
        assertEquals("b-1", ok.predicate().path("runDetails").path("metadata").path("invocationId").asText());
        assertTrue(ok.builder().startsWith("urn:ingot:builder:"), ok.builder());
    }

    private ImageStore open(String name) {
        Path images = tmp.resolve(name);
        return ImageStore.open(new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot")));
    }

    private static List<Path> list(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
