package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.VersionSboms;
import io.ingot.sbom.Component;
import io.ingot.sbom.VersionDiff;
import io.ingot.template.TemplateRef;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What changed between a Debian template and one derived from it, from their SBOMs. Apart from DebianIT because that
 * class runs a second time on QEMU 10 (pom.xml, profile qemu-backports), where another derived build would tell
 * nothing new about QEMU and cost minutes.
 */
class DebianDiffIT {
    /**
     * A template built from debian-12-minimal without jq (dpkg --purge, no archive needed): {@code ingot diff} names the
     * package it lost, and the child's SBOM is its own (the parent's has jq).
     */
    @Test
    void aDerivedTemplatesDiffNamesThePackageItRemoved() throws Exception {
        TestImages.debian();
        Path recipe = TestImages.home().resolve("target/it-recipes/debian-no-jq/debian-no-jq.yaml");
        Files.createDirectories(recipe.getParent());
        Files.writeString(recipe, String.join("\n",
                "name: debian-no-jq",
                "from: debian-12-minimal@latest",
                "machine: { cpus: 2, memory: 1G, disk: { size: 4G } }",
                "communicator: { type: ssh, user: root, timeout: 10m }",
                "provisioners:",
                "  - type: shell",
                "    name: without jq",
                "    inline: [ \"dpkg --purge jq\" ]",
                "shutdown: { command: poweroff, timeout: 2m }",
                "publish: { storage: [local], channel: latest }", ""));
        long t0 = System.nanoTime();
        var b = TestImages.build(recipe, io.ingot.pipeline.OnError.CLEANUP);
        assertNull(b.failure(), () -> "the derived build failed: " + b.failure().getMessage());
        System.out.printf("debian-no-jq built from debian-12-minimal in %.0fs%n", (System.nanoTime() - t0) / 1e9);
        ImageStore store = TestImages.store();
        VersionSboms sboms = new VersionSboms(store.catalog(), store.storages());
        TemplateVersion child = store.catalog().resolve(TemplateRef.parse("debian-no-jq@latest"));
        VersionDiff d = sboms.diff(null, child.ref());
        assertEquals(List.of("jq"), d.removed().stream().map(Component::name).toList(), d.toText());
        assertEquals(List.of(), d.added(), d.toText());
        assertTrue(d.toText().contains("  - jq "), d.toText());
        assertTrue(sboms.require(sboms.version(child.manifest().parent())).find("jq").isPresent(), "the parent keeps jq");
    }

}
