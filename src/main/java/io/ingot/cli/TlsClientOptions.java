package io.ingot.cli;

import io.ingot.tls.ClientTrust;
import picocli.CommandLine.Option;

/** Whom a client command trusts on TLS (https:// daemons, TLS brokers): a pinned certificate or a CA file. */
public class TlsClientOptions {
    @Option(names = "--tls-fingerprint", paramLabel = "SHA256:HEX",
            description = "Trust exactly the certificate with this SHA-256 (as 'ingot serve --tls' prints it); no CA or host name check.")
    String fingerprint;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Trust certificates signed by the CA certificate(s) of this PEM file (host names checked). "
                    + "Neither option: the JDK's default trust store.")
    String caFile;

    /** The trust the options give; a bad fingerprint or CA file is a UserError here, before any connection. */
    public ClientTrust trust() {
        return ClientTrust.of(caFile, fingerprint);
    }
}
