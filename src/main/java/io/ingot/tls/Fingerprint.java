package io.ingot.tls;

import io.ingot.util.UserError;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The SHA-256 of a certificate (of its DER encoding), written {@code SHA256:} and its 32 bytes in hex, colon
 * separated, as {@code openssl x509 -noout -fingerprint -sha256} prints them; read with or without the colons,
 * in either case.
 */
public record Fingerprint(String hex) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String PREFIX = "SHA256:";

    public Fingerprint {
        if (hex == null || !HEX.matcher(hex).matches()) throw new IllegalArgumentException("not 64 lowercase hex digits: " + hex);
    }

    public static Fingerprint of(X509Certificate cert) {
        try {
            return new Fingerprint(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("SHA-256 of a certificate: " + e.getMessage(), e);
        }
    }

    /** A fingerprint as the user gives it: {@code SHA256:AB:CD:...} (64 hex digits, colons optional). */
    public static Fingerprint parse(String text) {
        String t = text == null ? "" : text.strip();
        String hex = t.regionMatches(true, 0, PREFIX, 0, PREFIX.length()) ? t.substring(PREFIX.length()).replace(":", "").toLowerCase(Locale.ROOT) : "";
        if (!HEX.matcher(hex).matches()) {
            throw new UserError("--tls-fingerprint: expected SHA256: and the certificate's 32 bytes in hex "
                    + "(as 'ingot serve --tls' prints it), got '" + t + "'");
        }
        return new Fingerprint(hex);
    }

    public boolean matches(X509Certificate cert) {
        return equals(of(cert));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(PREFIX);
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) sb.append(':');
            sb.append(hex.substring(i, i + 2).toUpperCase(Locale.ROOT));
        }
        return sb.toString();
    }
}
