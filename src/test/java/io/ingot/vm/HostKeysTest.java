package io.ingot.vm;

import io.ingot.util.Command;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostKeysTest {

    @Test
    void keysGoIntoTheSeedInCloudInitsFormAndComeBack(@TempDir Path dir) throws Exception {
        HostKeys keys = HostKeys.generate("root@web1");
        assertEquals(List.of("ed25519", "ecdsa"), keys.keys().stream().map(HostKeys.HostKey::type).toList());
        new SeedBuilder().write(dir, "iid-1", "web1", List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx user"), keys);
        Path userData = dir.resolve("seed/user-data");
        String text = Files.readString(userData);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(userData)), "private keys are root's alone");
        // cloud-init's names; the private keys as literal blocks, one key file line per line (tiny-linux's script reads them so)
        assertTrue(text.contains("\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n"), text);
        assertTrue(text.contains("\n    -----END OPENSSH PRIVATE KEY-----\n  ed25519_public: ssh-ed25519 AAAA"), text);
        assertTrue(text.contains("\n  ecdsa_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n"), text);
        assertTrue(text.contains("\n  ecdsa_public: ecdsa-sha2-nistp256 AAAA"), text);
        assertEquals(keys, SeedBuilder.hostKeys(userData).orElseThrow());
        assertEquals(List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx user"), SeedBuilder.authorizedKeys(userData));

        new SeedBuilder().write(dir.resolve("other"), "iid-2", "web2", List.of("k"));
        assertTrue(SeedBuilder.hostKeys(dir.resolve("other/seed/user-data")).isEmpty(), "a seed without host keys says so");
    }

    @Test
    void privateKeysAreWhatOpenSshReads(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Command.exec(List.of("sh", "-c", "command -v ssh-keygen")).ok(), "ssh-keygen (openssh-client) is not installed");
        HostKeys keys = HostKeys.generate("root@web1");
        for (HostKeys.HostKey k : keys.keys()) {
            Path file = dir.resolve("ssh_host_" + k.type() + "_key");
            Files.writeString(file, k.privateKey());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            Command.Result pub = Command.exec(List.of("ssh-keygen", "-y", "-f", file.toString()));
            assertEquals(0, pub.exitCode(), pub.output());
            String[] theirs = pub.stdout().strip().split(" ");
            String[] ours = k.publicKey().split(" ");
            assertEquals(theirs[0] + " " + theirs[1], ours[0] + " " + ours[1], "the public line belongs to the private key: " + k.type());
            Command.Result fp = Command.exec(List.of("ssh-keygen", "-l", "-f", file.toString()));
            assertTrue(fp.stdout().contains(k.fingerprint()), fp.stdout() + " vs " + k.fingerprint());
        }
        assertNotEquals(keys, HostKeys.generate("root@web1"), "every call makes new keys");
    }

    @Test
    void onRestoreGetsTheKeysInItsEnvironment() {
        HostKeys keys = HostKeys.generate("root@m1");
        Map<String, String> env = keys.environment();
        assertEquals("ed25519 ecdsa", env.get("INGOT_HOST_KEYS"));
        assertEquals(keys.keys().get(0).privateKey(), env.get("INGOT_HOST_KEY_ED25519"));
        assertEquals(keys.keys().get(1).publicKey(), env.get("INGOT_HOST_KEY_ECDSA_PUB"));
        assertEquals(keys.keys().get(1), keys.sameTypeAs(keys.keys().get(1).decodedPublicKey()).orElseThrow());
    }

    @Test
    void theEd25519KeyAlsoComesInDropbearsFormat() {
        HostKeys keys = HostKeys.generate("root@m1");
        byte[] file = Base64.getDecoder().decode(keys.environment().get("INGOT_HOST_KEY_ED25519_DROPBEAR"));
        ByteBuffer in = ByteBuffer.wrap(file);
        byte[] type = new byte[in.getInt()];
        in.get(type);
        assertEquals("ssh-ed25519", new String(type, StandardCharsets.US_ASCII));
        assertEquals(64, in.getInt(), "dropbear keeps the 32-byte seed and the 32-byte public key");
        byte[] seed = new byte[32], pub = new byte[32];
        in.get(seed).get(pub);
        assertEquals(0, in.remaining());
        // the seed is the private key: the public key it makes is the one in the public key line ingot trusts
        byte[] derived = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
        assertArrayEquals(derived, pub);
        byte[] blob = Base64.getDecoder().decode(keys.keys().get(0).publicKey().split(" ")[1]);
        assertArrayEquals(pub, Arrays.copyOfRange(blob, blob.length - 32, blob.length));
        assertFalse(keys.environment().containsKey("INGOT_HOST_KEY_ECDSA_DROPBEAR"), "ed25519 only: the key dropbear serves first");
    }

    @Test
    void theShellsOwnPrintfWritesTheDropbearKeyFromItsOctalForm(@TempDir Path dir) throws Exception {
        HostKeys keys = HostKeys.generate("root@m1");
        Map<String, String> env = keys.environment();
        byte[] expected = Base64.getDecoder().decode(env.get("INGOT_HOST_KEY_ED25519_DROPBEAR"));
        Path out = dir.resolve("key");
        // as the recipe's onRestore does it: no program started, NUL bytes included
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "printf \"$K\" > \"$F\"");
        pb.environment().put("K", env.get("INGOT_HOST_KEY_ED25519_DROPBEAR_OCTAL"));
        pb.environment().put("F", out.toString());
        assertEquals(0, pb.start().waitFor());
        assertArrayEquals(expected, Files.readAllBytes(out));
        assertTrue(env.get("INGOT_HOST_KEY_ED25519_DROPBEAR_OCTAL").matches("(\\\\[0-3][0-7]{2})+"), "only escapes: no % for printf");
    }
}
