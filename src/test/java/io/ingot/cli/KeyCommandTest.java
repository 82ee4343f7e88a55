package io.ingot.cli;

import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.qemu.ImportDisks;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ingot key} and {@code ingot verify} as a user runs them: the key, its export, trust, rotation and a check that fails. */
class KeyCommandTest extends InProcessCli {
    @Test
    void keysVerifyAndRotation() throws Exception {
        System.setProperty("ingot.home", tmp.toString());
        Path images = tmp.resolve("images");
        ImageStore store = ImageStore.open(new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot")));
        store.publisher().publish(new PublishRequest("t", ImportDisks.qcow2(tmp.resolve("d.qcow2"), "1M"), "qcow2", false,
                Manifest.empty(), List.of("local"), "latest"));

        assertEquals(0, ingot("key", "show"), err);
        String id = out.lines().findFirst().orElseThrow().replace("key id: ", "");
        assertTrue(id.matches("[0-9a-f]{64}"), out);
        assertTrue(out.contains("-----BEGIN PUBLIC KEY-----") && out.contains(id + "  this site's key"), out);

        assertEquals(0, ingot("verify", "t:1"), err);
        assertTrue(out.startsWith("t:1: verified: signed by key " + id + " (this site's key), builder urn:ingot:builder:"), out);

        Path exported = tmp.resolve("site.pem");
        assertEquals(0, ingot("key", "export", exported.toString()), err);
        assertTrue(Files.readString(exported).startsWith("-----BEGIN PUBLIC KEY-----"));
        Files.writeString(tmp.resolve("not-a-key.pem"), "hello\n");
        assertEquals(2, ingot("key", "trust", tmp.resolve("not-a-key.pem").toString()));
        assertEquals("ingot: " + tmp.resolve("not-a-key.pem") + ": no '-----BEGIN PUBLIC KEY-----' block (a key as ingot key export writes it)\n", err);

        assertEquals(0, ingot("key", "rotate"), err);
        assertTrue(out.contains("old key " + id + " kept in " + images.resolve("trust/site-" + id.substring(0, 16) + ".pem")), out);
        assertEquals(0, ingot("verify", "t:1"), err);
        Files.delete(images.resolve("trust/site-" + id.substring(0, 16) + ".pem"));
        assertEquals(2, ingot("verify", "t:1"));
        assertEquals("ingot: t:1: refused: signed by unknown key " + id + " (not this site's key, not in images/trust/)\n", err);
        // trusted again from its exported file
        assertEquals(0, ingot("key", "trust", exported.toString()), err);
        assertEquals(0, ingot("verify", "t:1"), err);
    }
}
