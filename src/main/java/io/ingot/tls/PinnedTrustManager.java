package io.ingot.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Trusts exactly one server certificate: the one whose SHA-256 is the pinned fingerprint. No CA, no host name
 * check (the pin names the server better than a host name does; a self-made certificate is reached by any
 * address), no expiry check (a pinned certificate is replaced by changing the pin). Extended, so that the JDK
 * does not wrap it with a host name check of its own.
 */
final class PinnedTrustManager extends X509ExtendedTrustManager {
    /** The server showed another certificate: its message says which one, for the user to compare. */
    static final class Mismatch extends CertificateException {
        Mismatch(String message) { super(message); }
    }

    private final Fingerprint pin;

    PinnedTrustManager(Fingerprint pin) {
        this.pin = pin;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) throw new Mismatch("the server showed no certificate");
        Fingerprint shown = Fingerprint.of(chain[0]);
        if (!shown.equals(pin)) {
            throw new Mismatch("the server's certificate is " + shown + ", not the pinned " + pin);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a pinned client trusts servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
