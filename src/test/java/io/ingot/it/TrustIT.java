package io.ingot.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.daemon.Daemon;
import io.ingot.daemon.DaemonConfig;
import io.ingot.distribution.Puller;
import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Pull;
import io.ingot.distribution.S3Push;
import io.ingot.images.ImageStore;
import io.ingot.qemu.ImportDisks;
import io.ingot.qemu.QemuImg;
import io.ingot.template.TemplateRef;
import io.ingot.trust.KeyFiles;
import io.ingot.trust.Provenance;
import io.ingot.trust.Signed;
import io.ingot.trust.VersionTrust;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signed provenance end to end with the run's tiny-linux, between images folders that stand for sites: a bucket
 * whose base image was replaced and whose manifest was rewritten to match is refused by {@code s3 pull}; an intact
 * one is pulled and stays verifiable; a revocation travels through the bucket; a daemon on loopback serving a
 * version re-signed under a key nobody trusts is refused by {@code pull}, a version revoked there is not served; a rotated key keeps verifying its versions
 * until its file leaves {@code images/trust/}. Each refusal registers nothing and leaves nothing behind.
 */
class TrustIT {
    @RegisterExtension
    static final LocalS3 S3 = LocalS3.forClass("ingot-it-access", "ingot-it-secret", "trust-it");

    @Test
    void onlyVersionsSignedByTrustedKeysComeIn() throws Exception {
        TestImages.tinyLinux();
        ImageStore source = TestImages.store();
        TemplateVersion shared = source.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        int v = shared.version();
        String sourceKey = KeyFiles.keyId(source.trust().siteKey().load().getPublic());
        try (S3Client s3 = S3.clients().create()) {
            // an attacker with write access to the bucket: another disk, and the manifest's sha256 and size to match
            S3Location evil = S3Location.parse("s3://trust-it/evil");
            new S3Push(source, s3, new QemuImg(), System.out::println).push(shared.ref(), evil);
            Path other = ImportDisks.qcow2(TestImages.home().resolve("target/it-trust-other.qcow2"), "8M");
            ObjectNode m = (ObjectNode) Json.MAPPER.readTree(s3.getObjectAsBytes(b -> b.bucket("trust-it").key(evil.versionKey("tiny-linux", v, "manifest.json"))).asByteArray());
            String signedDisk = m.path("disk").path("sha256").asText();
            String otherSha = Sha256.of(other);
            ((ObjectNode) m.path("disk")).put("sha256", Sha256.of(other)).put("actualSize", Files.size(other));
            byte[] rewritten = Json.MAPPER.writeValueAsBytes(m);
            String rewrittenSha = Sha256.of(rewritten);
            s3.putObject(b -> b.bucket("trust-it").key(evil.versionKey("tiny-linux", v, "disk.qcow2")).metadata(Map.of(S3Push.SHA256_META, otherSha)),
                    RequestBody.fromFile(other));
            s3.putObject(b -> b.bucket("trust-it").key(evil.versionKey("tiny-linux", v, "manifest.json")).metadata(Map.of(S3Push.SHA256_META, rewrittenSha)),
                    RequestBody.fromBytes(rewritten));
            ImageStore siteB = site("it-trust-b");
            Signed.enrol(source.trust(), siteB.trust());
            UserError refused = assertThrows(UserError.class, () -> new S3Pull(siteB, s3, System.out::println, n -> { }).pull(evil + "/tiny-linux:" + v, null));
            assertEquals("tiny-linux:" + v + " in " + evil + ": refused: file digest mismatch: disk.qcow2 has sha256 " + Sha256.of(other)
                    + ", key " + sourceKey + " signed " + signedDisk, refused.getMessage());
            assertNothingCameIn(siteB);

            // intact: pulled, registered signed by site B's key over its files, the build's provenance kept
            S3Location good = S3Location.parse("s3://trust-it/good");
            new S3Push(source, s3, new QemuImg(), System.out::println).push(shared.ref(), good);
            TemplateVersion pulled = new S3Pull(siteB, s3, System.out::println, n -> { }).pull(good + "/tiny-linux:" + v, null).version();
            var ok = siteB.verify(pulled);
            assertEquals(KeyFiles.keyId(siteB.trust().siteKey().load().getPublic()), ok.keyId());
            assertEquals(shared.buildId(), ok.predicate().path("runDetails").path("metadata").path("invocationId").asText());
            assertEquals(Provenance.builderId(null), ok.builder());
            assertTrue(ok.predicate().path("buildDefinition").path("internalParameters").path("accelerator").isTextual(), ok.predicate().toString());

            // a revocation travels: revoked on site B, pushed, pulled by site C: registered revoked, NAME never resolves to it
            siteB.catalog().revoke("tiny-linux", v, true);
            S3Location fromB = S3Location.parse("s3://trust-it/from-b");
            new S3Push(siteB, s3, new QemuImg(), System.out::println).push("tiny-linux:" + v, fromB);
            siteB.catalog().revoke("tiny-linux", v, false);
            ImageStore siteC = site("it-trust-c");
            Signed.enrol(siteB.trust(), siteC.trust());
            UserError none = assertThrows(UserError.class, () -> new S3Pull(siteC, s3, System.out::println, n -> { }).pull(fromB + "/tiny-linux", null));
            assertEquals("no version of 'tiny-linux' in " + fromB, none.getMessage());
            new S3Pull(siteC, s3, System.out::println, n -> { }).pull(fromB + "/tiny-linux:" + v, null);
            assertTrue(siteC.catalog().version("tiny-linux", v).orElseThrow().revoked(), "still revoked after the pull");

            // key rotation on site C: its version still verifies while the old key is trusted, not after
            String old = siteC.trust().siteKey().rotate().oldId();
            TemplateVersion onC = siteC.catalog().version("tiny-linux", v).orElseThrow();
            assertEquals(old, siteC.verify(onC).keyId());
            try (Stream<Path> kept = Files.list(siteC.trust().trustDir())) {
                for (Path p : kept.filter(p -> p.getFileName().toString().startsWith("site-")).toList()) Files.delete(p);
            }
            UserError rotated = assertThrows(UserError.class, () -> siteC.verify(onC));
            assertEquals("tiny-linux:" + v + ": refused: signed by unknown key " + old + " (not this site's key, not in images/trust/)", rotated.getMessage());
        }

        // a daemon on loopback serving site B's version re-signed under a key nobody trusts
        ImageStore siteB = site("it-trust-b", false);
        Path dir = siteB.storages().get("local").locate("tiny-linux", v).orElseThrow().dir();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.delete(dir.resolve(VersionTrust.ENVELOPE));
        VersionTrust stranger = new VersionTrust(TestImages.home().resolve("target/it-trust-stranger/keys"), TestImages.home().resolve("target/it-trust-stranger/trust"));
        String strangerKey = stranger.sign(dir, Map.of(), Provenance.predicate(siteB.catalog().version("tiny-linux", v).orElseThrow().manifest(), null));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path noRecipes = Files.createDirectories(TestImages.home().resolve("target/it-recipes/trust-none"));
        try (Daemon daemon = Daemon.start(siteB.paths(), DaemonConfig.defaults().withListen("127.0.0.1", 0).withRecipes(noRecipes.toString(), null, 3))) {
            ImageStore siteD = site("it-trust-d");
            Signed.enrol(siteB.trust(), siteD.trust());
            URI base = URI.create("http://127.0.0.1:" + daemon.port());
            UserError refused = assertThrows(UserError.class, () -> new Puller(siteD, null, new PrintStream(OutputStream.nullOutputStream()), -1)
                    .pull(base, "tiny-linux:" + v, "local"));
            assertEquals("tiny-linux:" + v + " from " + base + ": refused: signed by unknown key " + strangerKey
                    + " (not this site's key, not in images/trust/)", refused.getMessage());
            assertNothingCameIn(siteD);
            assertTrue(Files.notExists(siteD.paths().state().resolve("pull/tiny-linux-" + v)), "no pull folder left");
            // nor does a daemon hand out a version revoked there
            siteB.catalog().revoke("tiny-linux", v, true);
            UserError revoked = assertThrows(UserError.class, () -> new Puller(siteD, null, new PrintStream(OutputStream.nullOutputStream()), -1)
                    .pull(base, "tiny-linux:" + v, "local"));
            assertTrue(revoked.getMessage().endsWith("template version tiny-linux:" + v + " is revoked"), revoked.getMessage());
        }
    }

    private static ImageStore site(String name) throws Exception {
        return site(name, true);
    }

    private static ImageStore site(String name, boolean fresh) throws Exception {
        IngotPaths shared = TestImages.paths();
        Path images = TestImages.home().resolve("target").resolve(name);
        if (fresh) RbdStorageIT.deleteTree(images);
        return ImageStore.open(new IngotPaths(shared.home(), images, shared.cache(), images.resolve(".ingot")));
    }

    private static void assertNothingCameIn(ImageStore site) throws Exception {
        assertTrue(site.catalog().templateNames().isEmpty(), "nothing registered");
        for (Path p : List.of(site.paths().images().resolve(".s3-pull"), site.paths().images().resolve("templates"), site.paths().state().resolve("pull"))) {
            if (!Files.isDirectory(p)) continue;
            try (Stream<Path> s = Files.list(p)) {
                assertEquals(List.of(), s.toList(), "nothing left in " + p);
            }
        }
    }
}
