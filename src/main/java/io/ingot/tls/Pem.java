package io.ingot.tls;

import io.ingot.util.UserError;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.DERNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files of certificates and private keys: certificates ({@code CERTIFICATE}, one or a chain), and an
 * unencrypted key as {@code PRIVATE KEY} (PKCS#8), {@code RSA PRIVATE KEY} (PKCS#1) or {@code EC PRIVATE KEY}
 * (SEC 1), as openssl writes them. Every problem is a {@link UserError} naming the file.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private Pem() { }

    /** The certificates of a PEM file, in order (a server's first, then its chain). */
    public static List<X509Certificate> certificates(Path file, String what) {
        byte[] bytes = read(file, what);
        try {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))
                    .stream().map(c -> (X509Certificate) c).toList();
            if (certs.isEmpty()) throw new UserError(what + " " + file + ": no certificate in it (PEM, BEGIN CERTIFICATE)");
            return certs;
        } catch (CertificateException e) {
            throw new UserError(what + " " + file + ": not a PEM certificate file (" + e.getMessage() + ")");
        }
    }

    /** The unencrypted private key of a PEM file. */
    public static PrivateKey privateKey(Path file, String what) {
        String text = new String(read(file, what), StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            try {
                switch (m.group(1)) {
                    case "PRIVATE KEY":
                        return fromPkcs8(der);
                    case "RSA PRIVATE KEY":
                        return fromPkcs8(new PrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                                ASN1Sequence.getInstance(der)).getEncoded());
                    case "EC PRIVATE KEY":
                        ECPrivateKey ec = ECPrivateKey.getInstance(der);
                        return fromPkcs8(new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()), ec)
                                .getEncoded());
                    case "ENCRYPTED PRIVATE KEY":
                        throw new UserError(what + " " + file + ": the key is encrypted; give it unencrypted "
                                + "(openssl pkey -in KEY -out PLAIN.pem), readable by this user only");
                    default:
                        // an EC PARAMETERS block or a certificate before the key
                }
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                throw new UserError(what + " " + file + ": unreadable " + m.group(1) + " (" + e.getMessage() + ")");
            }
        }
        throw new UserError(what + " " + file + ": no private key in it (PEM: BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static PrivateKey fromPkcs8(byte[] der) throws GeneralSecurityException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(der);
        String algorithm = info.getPrivateKeyAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC"
                : info.getPrivateKeyAlgorithm().getAlgorithm().equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA" : null;
        if (algorithm == null) throw new GeneralSecurityException("a key of type " + info.getPrivateKeyAlgorithm().getAlgorithm() + "; ingot reads RSA and EC keys");
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    public static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] read(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError(what + " " + file + ": no such file");
        } catch (IOException e) {
            throw new UserError(what + " " + file + ": cannot read it (" + e.getMessage() + ")");
        }
    }
}
