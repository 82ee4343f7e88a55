package io.ingot.sbom;

import io.ingot.template.Manifest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VersionDiffTest {
    private static Sbom sbom(String kernel, String... packages) {
        List<String> lines = new java.util.ArrayList<>(List.of("os\tdebian\t12", "kernel\t" + kernel + "\tx86_64"));
        for (String p : packages) {
            String[] nv = p.split(" ");
            lines.add("deb\tii \t" + nv[0] + "\t" + nv[1] + "\tamd64\t" + nv[0] + "\t" + nv[1]);
        }
        return GuestInventory.parse("t", lines, Instant.EPOCH);
    }

    private static Manifest manifest(String name, int version, String recipeHash, long actual) {
        return Manifest.empty().withIdentity(name, version, Instant.EPOCH).withBuild("b" + version, recipeHash, "sha256:m")
                .withDisk(new Manifest.Disk("base.qcow2", "qcow2", 4L << 30, actual, "x"));
    }

    @Test
    void packagesAddedRemovedUpgradedKernelAndFacts() {
        Sbom a = sbom("6.1.0-17-amd64", "curl 7.88.1-10+deb12u4", "jq 1.6-2.1", "openssh-server 1:9.2p1-2+deb12u2");
        Sbom b = sbom("6.1.0-18-amd64", "curl 7.88.1-10+deb12u5", "openssh-server 1:9.2p1-2+deb12u2", "nginx 1.22.1-9");
        VersionDiff d = VersionDiff.of(manifest("t", 1, "h1", 100), a, manifest("t", 2, "h2", 120), b);
        assertEquals("+1 -1 ~1 packages, kernel 6.1.0-18-amd64", d.summary());
        assertEquals("nginx", d.added().get(0).name());
        assertEquals("jq", d.removed().get(0).name());
        assertEquals(new VersionDiff.Change("curl", "7.88.1-10+deb12u4", "7.88.1-10+deb12u5"), d.changed().get(0));
        String text = d.toText();
        assertTrue(text.startsWith("t:1 -> t:2: +1 -1 ~1 packages"), text);
        assertTrue(text.contains("  ~ curl 7.88.1-10+deb12u4 -> 7.88.1-10+deb12u5 (upgraded)"), text);
        assertTrue(text.contains("  recipeHash h1 -> h2"), text);
        assertTrue(text.contains("  disk.actualSize 100 -> 120"), text);
        assertFalse(text.contains("disk.virtualSize"), "an unchanged fact is not listed");
    }

    @Test
    void aVersionWithoutAnSbomHasNoPackageList() {
        VersionDiff d = VersionDiff.of(manifest("t", 1, "h", 1), null, manifest("t", 2, "h", 1), sbom("6.1"));
        assertFalse(d.packagesKnown());
        assertEquals("packages unknown (no SBOM)", d.summary());
    }
}
