package io.ingot.fleet;

import io.ingot.tls.ClientTrust;
import io.ingot.tls.ServerIdentity;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * TLS to a broker for a client that has a {@link ClientTrust}: Artemis's connector reads trust only from a
 * trust store file, so one is written for this connection (mode 0600, removed on {@link #close}) holding the CA
 * certificates of {@code --tls-ca}, or exactly the pinned certificate, which a handshake of our own fetched and
 * checked first (its host name is then not checked: the pin names the broker). With neither, the JDK's default
 * trust store and Artemis's host name check apply.
 */
final class BrokerTrust implements AutoCloseable {
    private static final Duration HANDSHAKE = Duration.ofSeconds(15);

    private final String url;
    private final Path trustStore;

    private BrokerTrust(String url, Path trustStore) {
        this.url = url;
        this.trustStore = trustStore;
    }

    /** The broker URL with the TLS parameters for {@code trust} added (as given when there is nothing to add). */
    static BrokerTrust apply(String url, ClientTrust trust) {
        if (trust == null || !trust.given()) return new BrokerTrust(url, null);
        if (!url.startsWith("tcp://")) throw new UserError("--tls-ca and --tls-fingerprint are for a tcp:// broker, got " + BrokerConnection.display(url));
        URI u = URI.create(url);
        if (u.getHost() == null || u.getPort() < 0) throw new UserError("broker URL must be tcp://HOST:PORT, got " + BrokerConnection.display(url));
        List<X509Certificate> certs = trust.pin() != null ? List.of(trust.fetchPinned(u.getHost(), u.getPort(), HANDSHAKE)) : trust.caCertificates();
        char[] password = ServerIdentity.randomPassword();
        Path store;
        try {
            store = Files.createTempFile("ingot-broker-trust-", ".p12",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(store, ClientTrust.pkcs12Of(certs, password));
        } catch (IOException e) {
            throw new UserError("cannot write a trust store for the broker: " + e.getMessage());
        }
        String params = "sslEnabled=true&trustStoreType=PKCS12&trustStorePath=" + URLEncoder.encode(store.toString(), StandardCharsets.UTF_8)
                + "&trustStorePassword=" + new String(password) + (trust.pin() != null ? "&verifyHost=false" : "");
        return new BrokerTrust(url + (url.contains("?") ? "&" : "?") + params, store);
    }

    String url() { return url; }

    @Override
    public void close() {
        try {
            if (trustStore != null) Files.deleteIfExists(trustStore);
        } catch (IOException ignored) {
            // a temporary file of public certificates
        }
    }
}
