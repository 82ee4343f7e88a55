package io.ingot.images;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;

/**
 * ingot's own ed25519 key, kept in {@code <state>/access/} (dir 0700, private key 0600), created on
 * first use. Every clone's seed authorises it, so ingot can reach a clone without a key baked into the template.
 */
public final class ManagedAccessKey {
    private final Path dir;

    public ManagedAccessKey(Path stateDir) { this.dir = stateDir.resolve("access"); }

    /** OpenSSH private key file (unencrypted); the SSH communicator loads it. */
    public Path privateKeyPath() throws IOException {
        ensure();
        return dir.resolve("id_ed25519");
    }

    /** The authorized_keys line, e.g. {@code ssh-ed25519 AAAA... ingot-managed}. */
    public String publicKeyLine() throws IOException {
        ensure();
        return Files.readString(dir.resolve("id_ed25519.pub")).trim();
    }

    private synchronized void ensure() throws IOException {
        Path priv = dir.resolve("id_ed25519");
        if (Files.isRegularFile(priv) && Files.isRegularFile(dir.resolve("id_ed25519.pub"))) return;
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        KeyPair pair;
        try {
            pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate an ed25519 key: " + e.getMessage(), e);
        }
        // written under temporary names, then renamed: a concurrent reader never sees half a key
        Path tmpPriv = dir.resolve(".id_ed25519." + ProcessHandle.current().pid());
        Files.deleteIfExists(tmpPriv);
        Files.createFile(tmpPriv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(tmpPriv, StandardOpenOption.TRUNCATE_EXISTING)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "ingot-managed", null, out);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write the ed25519 key: " + e.getMessage(), e);
        }
        Path tmpPub = dir.resolve(".id_ed25519.pub." + ProcessHandle.current().pid());
        Files.writeString(tmpPub, PublicKeyEntry.toString(pair.getPublic()) + " ingot-managed\n");
        Files.move(tmpPriv, priv, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmpPub, dir.resolve("id_ed25519.pub"), StandardCopyOption.ATOMIC_MOVE);
    }
}
