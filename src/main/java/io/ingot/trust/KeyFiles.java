package io.ingot.trust;

import io.ingot.util.Sha256;
import io.ingot.util.UserError;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Ed25519 keys as PEM text (PKCS#8 private, X.509 SubjectPublicKeyInfo public: what openssl writes) and their ids. */
public final class KeyFiles {
    private static final String PUBLIC = "PUBLIC KEY";
    private static final String PRIVATE = "PRIVATE KEY";

    private KeyFiles() { }

    /** The key id: sha256 (hex) of the public key's X.509 encoding, as {@code openssl pkey -pubin -outform DER | sha256sum} prints it. */
    public static String keyId(PublicKey key) {
        return Sha256.of(key.getEncoded());
    }

    public static String publicPem(PublicKey key) {
        return pem(PUBLIC, key.getEncoded());
    }

    public static String privatePem(PrivateKey key) {
        return pem(PRIVATE, key.getEncoded());
    }

    /** A public key from PEM text; anything else is a {@link UserError} naming {@code what}. */
    public static PublicKey parsePublic(String text, String what) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der(text, PUBLIC, what)));
        } catch (GeneralSecurityException e) {
            throw new UserError(what + ": not an Ed25519 public key (" + e.getMessage() + ")");
        }
    }

    public static PrivateKey parsePrivate(String text, String what) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der(text, PRIVATE, what)));
        } catch (GeneralSecurityException e) {
            throw new UserError(what + ": not an Ed25519 private key (" + e.getMessage() + ")");
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(String text, String type, String what) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int a = text.indexOf(begin);
        int b = text.indexOf(end);
        if (a < 0 || b < a) throw new UserError(what + ": no '" + begin + "' block (a key as ingot key export writes it)");
        try {
            return Base64.getMimeDecoder().decode(text.substring(a + begin.length(), b));
        } catch (IllegalArgumentException e) {
            throw new UserError(what + ": the " + type + " block is not base64");
        }
    }
}
