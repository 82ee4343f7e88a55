package io.ingot.guest;

import io.ingot.util.UserError;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildKeyTest {
    @TempDir Path tmp;

    @Test
    void publicKeyLineIsAnAuthorizedKeysLine() {
        BuildKey key = BuildKey.generate();
        String line = key.publicKeyLine("ingot-build-42");
        String[] parts = line.split(" ");
        assertEquals(3, parts.length, line);
        assertEquals("ssh-ed25519", parts[0]);
        assertEquals("ingot-build-42", parts[2]);
        // the blob is the SSH wire encoding: string "ssh-ed25519" then the 32-byte key
        byte[] blob = Base64.getDecoder().decode(parts[1]);
        assertEquals(4 + 11 + 4 + 32, blob.length);
        assertEquals("ssh-ed25519", new String(blob, 4, 11));
        assertNotEquals(line, BuildKey.generate().publicKeyLine("ingot-build-42"), "two builds got the same key");
    }

    @Test
    void privateKeyFileIsOpenSshFormatMode0600AndReadableByOpenSsh() throws Exception {
        BuildKey key = BuildKey.generate();
        Path file = tmp.resolve("keys/build_key");
        key.writePrivateKey(file);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.readString(file).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
        // ssh -i must accept it: ssh-keygen -y derives the public key from the private file
        String derived = Tools.run("ssh-keygen", "-y", "-f", file.toString()).trim();
        assertEquals(key.publicKeyLine(null), derived.split(" ")[0] + " " + derived.split(" ")[1]);
        // and its fingerprint is ours
        String listed = Tools.run("ssh-keygen", "-l", "-f", file.toString());
        assertEquals(key.fingerprint(), listed.split(" ")[1]);
        try (var leftovers = Files.list(file.getParent())) {
            assertEquals(1, leftovers.count(), "temporary files left next to the key");
        }
    }

    @Test
    void loadReadsBackTheSameKeyAlsoFromSshKeygen() throws Exception {
        BuildKey key = BuildKey.generate();
        Path file = tmp.resolve("k");
        key.writePrivateKey(file);
        BuildKey loaded = BuildKey.load(file);
        assertTrue(KeyUtils.compareKeys(key.keyPair().getPublic(), loaded.keyPair().getPublic()));
        assertEquals(key.publicKeyLine("c"), loaded.publicKeyLine("c"));

        Path openssh = tmp.resolve("from-ssh-keygen");
        Tools.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "x", "-f", openssh.toString());
        BuildKey theirs = BuildKey.load(openssh);
        assertEquals(Files.readString(tmp.resolve("from-ssh-keygen.pub")).trim(), theirs.publicKeyLine("x"));
    }

    @Test
    void writeReplacesAnOldKeyAndKeepsMode0600() throws Exception {
        Path file = tmp.resolve("k");
        Files.writeString(file, "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        BuildKey key = BuildKey.generate();
        key.writePrivateKey(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(key.fingerprint(), BuildKey.load(file).fingerprint());
    }

    @Test
    void loadExplainsMissingAndBrokenFiles() throws Exception {
        UserError missing = assertThrows(UserError.class, () -> BuildKey.load(tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("does not exist"), missing.getMessage());

        Path garbage = tmp.resolve("garbage");
        Files.writeString(garbage, "this is not a key\n");
        UserError broken = assertThrows(UserError.class, () -> BuildKey.load(garbage));
        assertTrue(broken.getMessage().contains("garbage"), broken.getMessage());
    }

    @Test
    void toStringShowsNoPrivateMaterial() throws Exception {
        BuildKey key = BuildKey.generate();
        Path file = tmp.resolve("k");
        key.writePrivateKey(file);
        String body = Files.readString(file).lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        String shown = key.toString();
        assertTrue(shown.contains(key.fingerprint()), shown);
        assertFalse(shown.contains(body.substring(40, 60)), shown);
    }
}
