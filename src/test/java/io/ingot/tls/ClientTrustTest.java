package io.ingot.tls;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.ingot.util.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whom a client trusts, against a real HTTPS server (the JDK's) showing a self-made certificate: the pinned
 * fingerprint is let in and another one refused with both fingerprints in the message; the certificate as a
 * CA file works for a name it carries and is refused for one it does not; with neither, the JDK's trust store
 * refuses a self-made certificate.
 */
class ClientTrustTest {
    private HttpsServer server;

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    @Test
    void aPinnedCertificateIsTrustedAndNoOther(@TempDir Path dir) throws Exception {
        ServerIdentity id = ServerIdentity.selfMade(dir.resolve("tls"), List.of("localhost", "127.0.0.1"), Instant.now());
        ServerIdentity other = ServerIdentity.selfMade(dir.resolve("other"), List.of("localhost"), Instant.now());
        String url = serve(id);

        assertEquals("hello", get(ClientTrust.of(null, id.fingerprint().toString()), url));
        UserError wrong = assertThrows(UserError.class, () -> get(ClientTrust.of(null, other.fingerprint().toString()), url));
        assertEquals("127.0.0.1: refused: the server's certificate is " + id.fingerprint() + ", not the pinned " + other.fingerprint()
                + " (check --tls-fingerprint)", wrong.getMessage());
        // the same check before a broker connection: by a handshake of our own
        assertEquals(id.certificate(), ClientTrust.of(null, id.fingerprint().toString()).fetchPinned("127.0.0.1", server.getAddress().getPort(), Duration.ofSeconds(10)));
        UserError wrongBroker = assertThrows(UserError.class,
                () -> ClientTrust.of(null, other.fingerprint().toString()).fetchPinned("127.0.0.1", server.getAddress().getPort(), Duration.ofSeconds(10)));
        assertTrue(wrongBroker.getMessage().contains("refused: the server's certificate is " + id.fingerprint()), wrongBroker.getMessage());
    }

    @Test
    void aCaFileChecksTheHostNameAndNoTrustRefusesASelfMadeCertificate(@TempDir Path dir) throws Exception {
        ServerIdentity id = ServerIdentity.selfMade(dir.resolve("tls"), List.of("templates.example", "127.0.0.1"), Instant.now());
        String url = serve(id);
        ClientTrust ca = ClientTrust.of(dir.resolve("tls/cert.pem").toString(), null);
        assertEquals("hello", get(ca, url));
        UserError name = assertThrows(UserError.class, () -> get(ca, url.replace("127.0.0.1", "localhost")));
        assertTrue(name.getMessage().startsWith("localhost: refused: its certificate does not name this host"), name.getMessage());
        UserError none = assertThrows(UserError.class, () -> get(ClientTrust.DEFAULT, url));
        assertEquals("127.0.0.1: refused: its certificate is not signed by a CA we trust (give --tls-ca FILE, or --tls-fingerprint SHA256:...)",
                none.getMessage());
        UserError both = assertThrows(UserError.class, () -> ClientTrust.of(dir.resolve("tls/cert.pem").toString(), id.fingerprint().toString()));
        assertEquals("give --tls-fingerprint or --tls-ca, not both", both.getMessage());
        UserError missing = assertThrows(UserError.class, () -> ClientTrust.of(dir.resolve("none.pem").toString(), null));
        assertEquals("--tls-ca " + dir.resolve("none.pem") + ": no such file", missing.getMessage());
    }

    private String serve(ServerIdentity id) throws Exception {
        char[] pw = ServerIdentity.randomPassword();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(new ByteArrayInputStream(id.pkcs12(pw)), pw);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/", ex -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private static String get(ClientTrust trust, String url) throws Exception {
        try {
            return trust.httpClient().build().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw ClientTrust.explain(e, URI.create(url).getHost());
        }
    }
}
