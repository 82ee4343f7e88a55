package io.ingot.trust;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;

/**
 * This site's Ed25519 signing key: made on first use in {@code images/.ingot/keys/site.key} (folder 0700, file 0600,
 * the private and the public key in PEM, one file so that the two never disagree). A rotation keeps the old public
 * key in {@code images/trust/}, so that the versions it signed still verify.
 */
public final class SiteKey {
    public static final String FILE = "site.key";

    private final Path dir;
    private final Path trustDir;

    public SiteKey(Path dir, Path trustDir) {
        this.dir = dir;
        this.trustDir = trustDir;
    }

    public Path file() { return dir.resolve(FILE); }

    /** The key pair, made now when there is none. */
    public KeyPair load() throws IOException {
        Path f = file();
        if (!Files.isRegularFile(f)) {
            Path tmp = write(generate());
            try {
                Files.createLink(f, tmp); // two processes making it at once: the first one's stays
            } catch (FileAlreadyExistsException e) {
                // made by another process meanwhile
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        String text = Files.readString(f);
        return new KeyPair(KeyFiles.parsePublic(text, f.toString()), KeyFiles.parsePrivate(text, f.toString()));
    }

    /** What a rotation did: the old key's id and the file its public key was kept in among the trusted keys. */
    public record Rotated(String oldId, Path kept) { }

    /** A new key pair; the old public key goes to the trusted keys first. */
    public Rotated rotate() throws IOException {
        KeyPair old = load();
        String oldId = KeyFiles.keyId(old.getPublic());
        Files.createDirectories(trustDir);
        Path kept = trustDir.resolve("site-" + oldId.substring(0, 16) + ".pem");
        Files.writeString(kept, KeyFiles.publicPem(old.getPublic()));
        Path tmp = write(generate());
        Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Rotated(oldId, kept);
    }

    private Path write(KeyPair kp) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // another process made it
            }
        }
        // created 0600 before a byte of the key is written
        Path tmp = Files.createTempFile(dir, ".site-", ".key", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, KeyFiles.privatePem(kp.getPrivate()) + KeyFiles.publicPem(kp.getPublic()));
        return tmp;
    }

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }
}
