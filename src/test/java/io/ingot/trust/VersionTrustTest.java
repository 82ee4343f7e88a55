package io.ingot.trust;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.template.Manifest;
import io.ingot.util.Json;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of signed provenance: PAE, the statement, Ed25519 round trips, and what a check refuses. */
class VersionTrustTest {
    @TempDir Path tmp;

    @Test
    void paeIsTheDsseEncoding() {
        // the DSSE protocol's own example
        assertArrayEquals("DSSEv1 29 http://example.com/HelloWorld 11 hello world".getBytes(StandardCharsets.UTF_8),
                Dsse.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals("DSSEv1 1 t 0 ".getBytes(StandardCharsets.UTF_8), Dsse.pae("t", new byte[0]));
    }

    @Test
    void statementNamesEveryFileAndTheBuild() throws Exception {
        Manifest m = Manifest.empty().withBuild("b-1", "aa".repeat(32), "sha256:" + "bb".repeat(32))
                .withMachine("7.2.0", "pc", "max", 2, 512, List.of())
                .withIdentity("tiny", 3, Instant.parse("2026-12-05T10:00:00Z"))
                .withParent("base@latest", "base:2", List.of(new Manifest.Ancestor("base:2", "cc".repeat(32), "b-0", null)));
        BuildFacts facts = new BuildFacts("urn:ingot:builder:h1", "tiny", Instant.parse("2026-12-05T09:58:00Z"),
                Instant.parse("2026-12-05T10:00:00Z"), "tcg", List.of(new BuildFacts.Input("provisioner setup.sh", null, "dd".repeat(32))));
        byte[] json = Provenance.statement(Map.of("manifest.json", "11".repeat(32), "base.qcow2", "22".repeat(32)),
                Provenance.predicate(m, facts));
        JsonNode s = Json.MAPPER.readTree(json);
        assertEquals("https://in-toto.io/Statement/v1", s.path("_type").asText());
        assertEquals("https://slsa.dev/provenance/v1", s.path("predicateType").asText());
        assertEquals("base.qcow2", s.path("subject").get(0).path("name").asText());
        assertEquals("22".repeat(32), s.path("subject").get(0).path("digest").path("sha256").asText());
        JsonNode def = s.path("predicate").path("buildDefinition");
        assertEquals(Provenance.BUILD_TYPE, def.path("buildType").asText());
        assertEquals("aa".repeat(32), def.path("externalParameters").path("recipe").path("digest").path("sha256").asText());
        assertEquals("tcg", def.path("internalParameters").path("accelerator").asText());
        assertEquals("7.2.0", def.path("internalParameters").path("qemuVersion").asText());
        JsonNode deps = def.path("resolvedDependencies");
        assertEquals("bb".repeat(32), deps.get(0).path("digest").path("sha256").asText(), "media: " + deps);
        assertEquals("ingot:template:base:2", deps.get(1).path("uri").asText());
        assertEquals("dd".repeat(32), deps.get(2).path("digest").path("sha256").asText());
        JsonNode run = s.path("predicate").path("runDetails");
        assertEquals("urn:ingot:builder:h1", run.path("builder").path("id").asText());
        assertEquals("b-1", run.path("metadata").path("invocationId").asText());
        assertEquals("2026-12-05T09:58:00Z", run.path("metadata").path("startedOn").asText());
    }

    @Test
    void aSignedFolderVerifiesAndATamperedOneDoesNot() throws Exception {
        VersionTrust trust = new VersionTrust(tmp.resolve("state/keys"), tmp.resolve("trust"));
        Path dir = Files.createDirectories(tmp.resolve("v"));
        Files.writeString(dir.resolve("manifest.json"), "{}");
        Files.writeString(dir.resolve("base.qcow2"), "disk");
        Files.createDirectories(dir.resolve("ram"));
        Files.writeString(dir.resolve("ram/state"), "state");
        String keyId = trust.sign(dir, Map.of(), Provenance.predicate(Manifest.empty().withIdentity("t", 1, Instant.now()), null));
        // made on first use, private
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(trust.siteKey().file())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("state/keys"))));
        Verified ok = trust.verifyDir("t:1", dir);
        assertEquals(keyId, ok.keyId());
        assertTrue(ok.builder().startsWith("urn:ingot:builder:"));

        Files.writeString(dir.resolve("ram/state"), "other");
        UserError e = assertThrows(UserError.class, () -> trust.verifyDir("t:1", dir));
        assertTrue(e.getMessage().startsWith("t:1: refused: file digest mismatch: ram/state has sha256 " + Sha256.of("other".getBytes())), e.getMessage());
        Files.writeString(dir.resolve("ram/state"), "state");
        Files.writeString(dir.resolve("extra"), "x");
        e = assertThrows(UserError.class, () -> trust.verifyDir("t:1", dir));
        assertEquals("t:1: refused: extra is not among the files key " + keyId + " signed", e.getMessage());
        Files.delete(dir.resolve("extra"));
        Files.delete(dir.resolve("base.qcow2"));
        e = assertThrows(UserError.class, () -> trust.verifyDir("t:1", dir));
        assertEquals("t:1: refused: base.qcow2, signed by key " + keyId + ", is missing", e.getMessage());
    }

    @Test
    void aTamperedPayloadOrAnUnknownKeyIsRefused() throws Exception {
        var kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String id = KeyFiles.keyId(kp.getPublic());
        byte[] statement = Provenance.statement(Map.of("a", "00".repeat(32)), Provenance.predicate(Manifest.empty(), null));
        Dsse.Envelope e = Dsse.sign(Dsse.IN_TOTO, statement, kp.getPrivate(), id);
        assertEquals(id, VersionTrust.verify("v", e.toJson(), Map.of("a", "00".repeat(32)), TrustedKeys.of(kp.getPublic())).keyId());

        // the payload rewritten to name another digest, signature kept
        byte[] forged = new String(statement, StandardCharsets.UTF_8).replace("00".repeat(32), "11".repeat(32)).getBytes(StandardCharsets.UTF_8);
        Dsse.Envelope tampered = new Dsse.Envelope(Base64.getEncoder().encodeToString(forged), e.payloadType(), e.signatures());
        UserError bad = assertThrows(UserError.class, () -> VersionTrust.verify("v", tampered.toJson(), Map.of("a", "11".repeat(32)),
                TrustedKeys.of(kp.getPublic())));
        assertTrue(bad.getMessage().startsWith("v: refused: bad signature by key " + id), bad.getMessage());
        // the same signature does not pass for another payload type (PAE binds it)
        Dsse.Envelope retyped = new Dsse.Envelope(e.payload(), "application/json", e.signatures());
        assertFalse(Dsse.verifies(retyped, e.signatures().get(0).sig(), kp.getPublic()));

        PublicKey other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        UserError unknown = assertThrows(UserError.class, () -> VersionTrust.verify("v", e.toJson(), Map.of("a", "00".repeat(32)),
                TrustedKeys.of(other)));
        assertTrue(unknown.getMessage().startsWith("v: refused: signed by unknown key " + id), unknown.getMessage());
    }

    @Test
    void rotationKeepsTheOldKeyTrustedUntilItsFileGoes() throws Exception {
        VersionTrust trust = new VersionTrust(tmp.resolve("keys"), tmp.resolve("trust"));
        Path dir = Files.createDirectories(tmp.resolve("v"));
        Files.writeString(dir.resolve("manifest.json"), "{}");
        String old = trust.sign(dir, Map.of(), Provenance.predicate(Manifest.empty(), null));
        assertEquals(old, trust.siteKey().rotate().oldId());
        assertFalse(old.equals(KeyFiles.keyId(trust.siteKey().load().getPublic())));
        assertEquals(old, trust.verifyDir("v:1", dir).keyId());
        try (var files = Files.list(tmp.resolve("trust"))) {
            for (Path p : files.toList()) Files.delete(p);
        }
        UserError e = assertThrows(UserError.class, () -> trust.verifyDir("v:1", dir));
        assertTrue(e.getMessage().startsWith("v:1: refused: signed by unknown key " + old), e.getMessage());
    }

    @Test
    void revocationsTravelSigned() throws Exception {
        VersionTrust trust = new VersionTrust(tmp.resolve("keys"), tmp.resolve("trust"));
        byte[] env = trust.signPayload(Revocations.PAYLOAD_TYPE, Revocations.body("t", Set.of(2, 1))).toJson();
        assertEquals(Set.of(1, 2), Revocations.read("t", env, trust.trusted(), "here"));
        PublicKey other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        assertThrows(UserError.class, () -> Revocations.read("t", env, TrustedKeys.of(other), "here"));
        assertThrows(UserError.class, () -> Revocations.read("u", env, trust.trusted(), "here"));
    }

    @Test
    void unsignedIsRefusedUnlessTrustYamlSaysNone() throws Exception {
        VersionTrust trust = new VersionTrust(tmp.resolve("keys"), tmp.resolve("trust"));
        assertEquals(TrustPolicy.SIGNED, trust.policy());
        UserError e = assertThrows(UserError.class, () -> trust.check("t:1 from x", null, Map.of(), trust.policy()));
        assertEquals("t:1 from x: refused: not signed (no provenance.dsse.json; trust.require is signed: --allow-unsigned accepts it)", e.getMessage());
        Files.writeString(tmp.resolve("trust.yaml"), "require: none\n");
        assertEquals(TrustPolicy.NONE, trust.policy());
        assertTrue(trust.check("t:1 from x", null, Map.of(), trust.policy()).isEmpty());
        // a bad envelope is refused even then
        assertThrows(UserError.class, () -> trust.check("t:1 from x", "{}".getBytes(StandardCharsets.UTF_8), Map.of(), TrustPolicy.NONE));
        Files.writeString(tmp.resolve("trust.yaml"), "require: maybe\n");
        e = assertThrows(UserError.class, trust::policy);
        assertEquals(tmp.resolve("trust.yaml") + ": trust.require is 'signed' or 'none', not 'maybe'", e.getMessage());
    }

    @Test
    void aKeyFileThatIsNotAPublicKeyIsNamed() throws Exception {
        Files.createDirectories(tmp.resolve("trust"));
        Files.writeString(tmp.resolve("trust/bad.pem"), "hello");
        UserError e = assertThrows(UserError.class, () -> new VersionTrust(tmp.resolve("keys"), tmp.resolve("trust")).trusted());
        assertTrue(e.getMessage().startsWith(tmp.resolve("trust/bad.pem") + ": no '-----BEGIN PUBLIC KEY-----' block"), e.getMessage());
    }
}
