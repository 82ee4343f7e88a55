package io.ingot.tls;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's TLS identity as an admin meets it: the self-made certificate (made once, key 0600, the same
 * fingerprint on every start), certificates and keys openssl wrote in its usual formats, and one-line refusals
 * for a missing file, a key of another certificate, an expired certificate and a malformed fingerprint.
 */
class ServerIdentityTest {
    private static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");

    @Test
    void theSelfMadeCertificateIsMadeOnceWithAPrivateKeyAndNamesTheDaemon(@TempDir Path dir) throws Exception {
        Path tls = dir.resolve("state/tls");
        ServerIdentity first = ServerIdentity.selfMade(tls, List.of("localhost", "127.0.0.1", "[::1]", "templates.example"), NOW);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve(ServerIdentity.KEY_FILE))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls)));
        X509Certificate cert = first.certificate();
        List<String> names = cert.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).toList();
        assertTrue(names.containsAll(List.of("localhost", "127.0.0.1", "templates.example")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("0:0:0:0:0:0:0:1")), names.toString());
        cert.verify(cert.getPublicKey()); // self-signed

        ServerIdentity again = ServerIdentity.selfMade(tls, List.of("other.example"), NOW.plusSeconds(60));
        assertEquals(first.fingerprint(), again.fingerprint(), "the next start shows the same certificate: pins stay right");
        // openssl agrees on the fingerprint users compare with
        Process p = new ProcessBuilder("openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", tls.resolve(ServerIdentity.CERT_FILE).toString())
                .redirectErrorStream(true).start();
        String openssl = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), openssl);
        assertEquals(first.fingerprint().toString(), "SHA256:" + openssl.substring(openssl.indexOf('=') + 1));

        Files.delete(tls.resolve(ServerIdentity.KEY_FILE));
        Files.delete(tls.resolve(ServerIdentity.CERT_FILE));
        assertNotEquals(first.fingerprint(), ServerIdentity.selfMade(tls, List.of("localhost"), NOW).fingerprint(), "removed: a new one is made");
    }

    @Test
    void opensslKeysInEveryUsualFormatAreRead(@TempDir Path dir) throws Exception {
        // RSA and EC keys as openssl req writes them: BEGIN PRIVATE KEY (PKCS#8)
        openssl(dir, "req", "-x509", "-nodes", "-days", "30", "-subj", "/CN=templates.example", "-newkey", "rsa:2048",
                "-keyout", "rsa-key.pem", "-out", "rsa-cert.pem");
        openssl(dir, "req", "-x509", "-nodes", "-days", "30", "-subj", "/CN=templates.example", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", "ec-key.pem", "-out", "ec-cert.pem");
        // and in the older forms: BEGIN RSA PRIVATE KEY (PKCS#1), BEGIN EC PRIVATE KEY (SEC 1)
        openssl(dir, "rsa", "-in", "rsa-key.pem", "-traditional", "-out", "rsa-pkcs1.pem");
        openssl(dir, "ec", "-in", "ec-key.pem", "-out", "ec-sec1.pem");
        assertTrue(Files.readString(dir.resolve("rsa-pkcs1.pem")).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(Files.readString(dir.resolve("ec-sec1.pem")).contains("BEGIN EC PRIVATE KEY"));
        for (String[] pair : new String[][] {{"rsa-cert.pem", "rsa-key.pem"}, {"rsa-cert.pem", "rsa-pkcs1.pem"},
                {"ec-cert.pem", "ec-key.pem"}, {"ec-cert.pem", "ec-sec1.pem"}}) {
            ServerIdentity id = ServerIdentity.load(dir.resolve(pair[0]), dir.resolve(pair[1]), Instant.now());
            assertEquals(Pem.certificates(dir.resolve(pair[0]), "test").get(0), id.certificate(), pair[1]);
        }
        UserError crossed = assertThrows(UserError.class, () -> ServerIdentity.load(dir.resolve("ec-cert.pem"), dir.resolve("rsa-key.pem"), Instant.now()));
        assertTrue(crossed.getMessage().contains("is not the key of the certificate"), crossed.getMessage());
    }

    @Test
    void badFilesAreOneLineRefusals(@TempDir Path dir) throws Exception {
        ServerIdentity.selfMade(dir.resolve("a"), List.of("localhost"), NOW);
        ServerIdentity.selfMade(dir.resolve("b"), List.of("localhost"), NOW);
        UserError missing = assertThrows(UserError.class, () -> ServerIdentity.load(dir.resolve("nope.pem"), dir.resolve("a/key.pem"), NOW));
        assertEquals("--tls-cert " + dir.resolve("nope.pem") + ": no such file", missing.getMessage());
        UserError other = assertThrows(UserError.class, () -> ServerIdentity.load(dir.resolve("a/cert.pem"), dir.resolve("b/key.pem"), NOW));
        assertEquals("--tls-key " + dir.resolve("b/key.pem") + " is not the key of the certificate in " + dir.resolve("a/cert.pem"), other.getMessage());
        UserError notAKey = assertThrows(UserError.class, () -> ServerIdentity.load(dir.resolve("a/cert.pem"), dir.resolve("a/cert.pem"), NOW));
        assertTrue(notAKey.getMessage().contains(": no private key in it"), notAKey.getMessage());
        UserError expired = assertThrows(UserError.class, () -> ServerIdentity.load(dir.resolve("a/cert.pem"), dir.resolve("a/key.pem"),
                NOW.plus(SelfSignedCertificate.VALIDITY).plusSeconds(86_400)));
        assertTrue(expired.getMessage().contains("the certificate expired on"), expired.getMessage());
        for (String bad : new String[] {"AB:CD", "sha1:" + "ab".repeat(32), "SHA256:" + "zz".repeat(32), "sha256//" + "A".repeat(43) + "="}) {
            UserError e = assertThrows(UserError.class, () -> Fingerprint.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--tls-fingerprint: expected SHA256:"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
        Fingerprint f = ServerIdentity.selfMade(dir.resolve("a"), List.of(), NOW).fingerprint();
        assertEquals(f, Fingerprint.parse(f.toString().toLowerCase().replace(":", "").replace("sha256", "SHA256:")), "colons and case do not matter");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
    }
}
