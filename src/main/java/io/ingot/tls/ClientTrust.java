package io.ingot.tls;

import io.ingot.util.UserError;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Whom a client trusts on TLS: exactly the certificate of a pinned fingerprint ({@code --tls-fingerprint}), or
 * the CA certificates of a PEM file ({@code --tls-ca}, host names checked), or, with neither, the JDK's default
 * trust store. {@code caCertificates} are read when the trust is made, so a bad file fails before any connection.
 */
public record ClientTrust(Fingerprint pin, Path caFile, List<X509Certificate> caCertificates) {
    public static final ClientTrust DEFAULT = new ClientTrust(null, null, List.of());

    public ClientTrust {
        caCertificates = caCertificates == null ? List.of() : List.copyOf(caCertificates);
        if (pin != null && caFile != null) throw new UserError("give --tls-fingerprint or --tls-ca, not both");
    }

    /** From the options as given (either may be null). */
    public static ClientTrust of(String caFile, String fingerprint) {
        if (caFile != null && fingerprint != null) throw new UserError("give --tls-fingerprint or --tls-ca, not both");
        if (fingerprint != null) return new ClientTrust(Fingerprint.parse(fingerprint), null, List.of());
        if (caFile != null) return new ClientTrust(null, Path.of(caFile), Pem.certificates(Path.of(caFile), "--tls-ca"));
        return DEFAULT;
    }

    /** Whether the user said whom to trust (a pin or a CA file); else the JDK's defaults apply. */
    public boolean given() { return pin != null || caFile != null; }

    public SSLContext sslContext() {
        try {
            if (!given()) return SSLContext.getDefault();
            TrustManager[] trust;
            if (pin != null) {
                trust = new TrustManager[] {new PinnedTrustManager(pin)};
            } else {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustStore());
                trust = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a TLS context: " + e.getMessage(), e);
        }
    }

    /** An HTTP client builder that trusts as this says (the JDK checks host names unless a fingerprint is pinned). */
    public HttpClient.Builder httpClient() {
        return HttpClient.newBuilder().sslContext(sslContext());
    }

    /** The CA certificates as a key store (entries ca0, ca1, ...). */
    public KeyStore trustStore() {
        return storeOf(caCertificates);
    }

    /** A PKCS#12 trust store of {@code certs}, as bytes (for clients that read one from a file: Artemis). */
    public static byte[] pkcs12Of(List<X509Certificate> certs, char[] password) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            storeOf(certs).store(out, password);
            return out.toByteArray();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("a PKCS#12 trust store: " + e.getMessage(), e);
        }
    }

    /**
     * The pinned certificate as the server at {@code host:port} shows it, by a TLS handshake of our own; refused
     * (a {@link UserError}) when it is another one. For clients that take a trust store file only (Artemis):
     * they are then given a store holding exactly this certificate.
     */
    public X509Certificate fetchPinned(String host, int port, Duration timeout) {
        if (pin == null) throw new IllegalStateException("no pinned fingerprint");
        try (SSLSocket s = (SSLSocket) sslContext().getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
            throw explain(e, host + ":" + port);
        }
    }

    /**
     * The JDK HTTP client's "the server closed before any answer": what a TLS server does to a plain HTTP request
     * (a connection reset half way through a download is not this).
     */
    public static boolean noAnswer(IOException e) {
        return messages(e).contains("received no bytes");
    }

    /**
     * A failed TLS connection as one line for the user: the pinned certificate not shown, a certificate no CA of
     * ours signed, a host name the certificate does not name, or no TLS at all on the other side.
     */
    public static UserError explain(IOException e, String where) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PinnedTrustManager.Mismatch m) {
                return new UserError(where + ": refused: " + m.getMessage() + " (check --tls-fingerprint)", e);
            }
        }
        String all = messages(e);
        if (all.contains("PKIX path") || all.contains("unable to find valid certification path")) {
            return new UserError(where + ": refused: its certificate is not signed by a CA we trust (give --tls-ca FILE, or --tls-fingerprint SHA256:...)", e);
        }
        if (all.contains("No subject alternative") || all.contains("No name matching")) {
            return new UserError(where + ": refused: its certificate does not name this host (" + firstLine(e) + ")", e);
        }
        if (all.contains("Unsupported or unrecognized SSL message") || all.contains("plaintext connection")) {
            return new UserError(where + ": does not speak TLS (is it serving plain http?)", e);
        }
        if (noAnswer(e) || all.contains("Connection reset")) {
            return new UserError(where + ": closed the connection without an answer (does it serve https://?)", e);
        }
        if (!(e instanceof SSLException)) {
            return new UserError(where + ": " + firstLine(e), e);
        }
        return new UserError(where + ": TLS handshake failed: " + firstLine(e), e);
    }

    private static KeyStore storeOf(List<X509Certificate> certs) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < certs.size(); i++) ks.setCertificateEntry("ca" + i, certs.get(i));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("a trust store: " + e.getMessage(), e);
        }
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) sb.append(t.getMessage()).append('\n');
        return sb.toString();
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
