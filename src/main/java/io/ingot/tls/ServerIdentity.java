package io.ingot.tls;

import io.ingot.util.UserError;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

/**
 * What a TLS server shows: its private key and certificate chain (the server's certificate first), from PEM files
 * the admin gives or self-made once under a folder of ingot's state ({@link #selfMade}). The key stays in memory
 * and in files only this user can read (0600).
 */
public record ServerIdentity(PrivateKey key, List<X509Certificate> chain) {
    public static final String CERT_FILE = "cert.pem";
    public static final String KEY_FILE = "key.pem";
    private static final String ALIAS = "ingot";

    public ServerIdentity {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) throw new IllegalArgumentException("no certificate");
    }

    public X509Certificate certificate() { return chain.get(0); }

    public Fingerprint fingerprint() { return Fingerprint.of(certificate()); }

    /** The admin's certificate (with its chain) and key: both readable, the key the certificate's, the certificate valid now. */
    public static ServerIdentity load(Path certFile, Path keyFile, Instant now) {
        List<X509Certificate> chain = Pem.certificates(certFile, "--tls-cert");
        PrivateKey key = Pem.privateKey(keyFile, "--tls-key");
        if (!matches(key, chain.get(0))) {
            throw new UserError("--tls-key " + keyFile + " is not the key of the certificate in " + certFile);
        }
        try {
            chain.get(0).checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new UserError("--tls-cert " + certFile + ": the certificate expired on " + chain.get(0).getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new UserError("--tls-cert " + certFile + ": the certificate is valid only from " + chain.get(0).getNotBefore().toInstant());
        }
        return new ServerIdentity(key, chain);
    }

    /**
     * The certificate and key in {@code dir} ({@value #CERT_FILE}, {@value #KEY_FILE}), made on first use for
     * {@code names}: the same on every start, so that pinned fingerprints stay right. Delete the folder for a new one.
     */
    public static ServerIdentity selfMade(Path dir, List<String> names, Instant now) {
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        if (Files.isRegularFile(cert) && Files.isRegularFile(key)) return load(cert, key, now);
        ServerIdentity made = SelfSignedCertificate.create(names, now);
        try {
            createPrivateDir(dir);
            writePrivate(key, Pem.encode("PRIVATE KEY", made.key().getEncoded()).getBytes(StandardCharsets.US_ASCII));
            writePrivate(cert, Pem.encode("CERTIFICATE", made.certificate().getEncoded()).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | GeneralSecurityException e) {
            throw new UserError("cannot write the self-made TLS certificate to " + dir + ": " + e.getMessage());
        }
        return made;
    }

    /** The key and chain as a PKCS#12 key store, for servers that read one (Vert.x, Artemis). */
    public byte[] pkcs12(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, key, password, chain.toArray(X509Certificate[]::new));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ks.store(out, password);
            return out.toByteArray();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("a PKCS#12 store of the server's key: " + e.getMessage(), e);
        }
    }

    /** {@link #pkcs12} written to {@code file} (mode 0600), for a server that reads a key store from a path. */
    public void writePkcs12(Path file, char[] password) throws IOException {
        createPrivateDir(file.getParent());
        writePrivate(file, pkcs12(password));
    }

    /** A random password for a key store that lives as long as this process. */
    public static char[] randomPassword() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b).toCharArray();
    }

    private static boolean matches(PrivateKey key, X509Certificate cert) {
        try {
            String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signed = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(signed);
        } catch (GeneralSecurityException e) {
            return false; // another algorithm than the certificate's key, for one
        }
    }

    private static void createPrivateDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /** Written under a temporary name with mode 0600 from the start, then renamed: never readable by others, never half written. */
    private static void writePrivate(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
