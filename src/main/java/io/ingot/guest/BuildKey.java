package io.ingot.guest;

import io.ingot.util.UserError;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

/**
 * An ed25519 key pair for SSH: the per-build key the installer authorizes, or the clone access
 * key kept in ingot's private state. Keys come from MINA's ed25519 support (Bouncy Castle), which MINA
 * accepts for client authentication. Never logs or prints private material.
 */
public final class BuildKey {
    private final KeyPair keyPair;

    private BuildKey(KeyPair keyPair) {
        this.keyPair = keyPair;
    }

    /** A fresh ed25519 key pair. */
    public static BuildKey generate() {
        try {
            return new BuildKey(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 key: " + e.getMessage(), e);
        }
    }

    /** Wraps an existing key pair (e.g. one loaded elsewhere). */
    public static BuildKey of(KeyPair keyPair) {
        return new BuildKey(keyPair);
    }

    /** Reads an unencrypted OpenSSH private key file, as written by {@link #writePrivateKey(Path)} or ssh-keygen. */
    public static BuildKey load(Path privateKeyFile) {
        List<KeyPair> pairs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(privateKeyFile)) {
            Iterable<KeyPair> found = SecurityUtils.loadKeyPairIdentities(
                    null, NamedResource.ofName(privateKeyFile.toString()), in, null);
            if (found != null) found.forEach(pairs::add);
        } catch (NoSuchFileException e) {
            throw new UserError("SSH private key " + privateKeyFile + " does not exist");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // the parser's message never contains key material, only what it could not understand
            throw new UserError("SSH private key " + privateKeyFile + " cannot be read: " + e.getMessage(), e);
        }
        if (pairs.size() != 1) {
            throw new UserError("SSH private key " + privateKeyFile + " holds " + pairs.size()
                    + " keys; expected exactly one (unencrypted OpenSSH format)");
        }
        return new BuildKey(pairs.get(0));
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /** The key type as SSH names it, e.g. {@code ssh-ed25519}. */
    public String keyType() {
        return KeyUtils.getKeyType(keyPair.getPublic());
    }

    /** One authorized_keys line: {@code ssh-ed25519 AAAA... comment}. */
    public String publicKeyLine(String comment) {
        String line = PublicKeyEntry.toString(keyPair.getPublic());
        if (comment == null || comment.isBlank()) return line;
        if (comment.contains("\n") || comment.contains("\r")) {
            throw new IllegalArgumentException("an authorized_keys comment must be one line");
        }
        return line + " " + comment.trim();
    }

    /** {@code SHA256:...}, as {@code ssh-keygen -l} prints it. */
    public String fingerprint() {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, keyPair.getPublic());
    }

    /**
     * Writes the private key in OpenSSH format with mode 0600 (usable with {@code ssh -i}).
     * The file is created 0600 before any byte is written and moved into place, so the key is
     * never readable by others, not even for a moment.
     */
    public void writePrivateKey(Path file) {
        writePrivateKey(file, "ingot");
    }

    public void writePrivateKey(Path file, String comment) {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keyPair, comment, null, encoded);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode the private key: " + e.getMessage(), e);
        }
        Path target = file.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(tmp)) {
                encoded.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
            }
            throw new UncheckedIOException("cannot write SSH private key " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "BuildKey[" + keyType() + " " + fingerprint() + "]";
    }
}
