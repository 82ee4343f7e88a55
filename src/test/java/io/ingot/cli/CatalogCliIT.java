package io.ingot.cli;

import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.util.Command;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The catalog commands as a user types them. */
class CatalogCliIT extends InProcessCli {
    @Test
    void listCloneRemove() throws Exception {
        System.setProperty("ingot.home", tmp.toString());
        Path disk = tmp.resolve("d.qcow2");
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "32M"));
        ImageStore store = ImageStore.open(IngotPaths.fromEnvironment());
        assertEquals(tmp.resolve("images"), store.paths().images());
        for (int i = 0; i < 2; i++) {
            store.publisher().publish(new PublishRequest("tiny-linux", disk, "qcow2", true, Manifest.empty(), List.of("local"), "latest"));
        }

        assertEquals(0, ingot("promote", "tiny-linux:1", "stable"), err);
        assertEquals(0, ingot("templates"), err);
        assertTrue(out.startsWith("NAME"), out);
        assertTrue(out.contains("tiny-linux") && out.contains("latest=2,stable=1"), out);
        assertEquals(0, ingot("versions", "tiny-linux", "--json"), err);
        assertTrue(out.contains("\"channels\" : [ \"stable\" ]"), out);

        assertEquals(0, ingot("clone", "tiny-linux@stable", "web1", "--linked"), err);
        assertTrue(out.startsWith("linked clone web1 of tiny-linux:1"), out);
        assertEquals(2, ingot("clone", "tiny-linux", "web2", "--linked", "--full"));
        assertEquals(2, ingot("clone", "tiny-linux", "web2", "--full", "--format", "vhdx"));
        assertEquals("ingot: unknown disk format 'vhdx' (use one of raw, qcow2, vmdk)\n", err);
        assertEquals(0, ingot("clone", "tiny-linux", "web2", "--full", "--format", "raw", "--json"), err);
        assertTrue(out.contains("\"kind\" : \"full\""), out);
        assertEquals(0, ingot("clones"), err);
        assertTrue(out.contains("web1") && out.contains("web2"), out);

        assertEquals(2, ingot("rm", "tiny-linux:1"));
        assertEquals("ingot: tiny-linux:1 has linked clones: web1 (remove them first with: ingot rm CLONE)\n", err);
        assertEquals(2, ingot("rm", "tiny-linux:2"));
        assertTrue(err.contains("channel latest") && err.contains("--force"), err);
        assertEquals(2, ingot("clone", "Bad/Name", "x", "--linked"));
        assertTrue(err.startsWith("ingot: bad template name 'Bad/Name'"), err);
        assertEquals(0, ingot("rm", "web1"), err);
        assertEquals(0, ingot("rm", "tiny-linux:1", "--force"), err);
        assertEquals(0, ingot("catalog", "reindex"), err);
        assertEquals("reindexed: 1 template versions\n", out);
    }
}
