package io.ingot.sbom;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CycloneDxTest {
    private static final List<String> DEBIAN = List.of(
            "os\tdebian\t12",
            "kernel\t6.1.0-18-amd64\tx86_64",
            "deb\tii \topenssh-server\t1:9.2p1-2+deb12u3\tamd64\topenssh\t1:9.2p1-2+deb12u3",
            "deb\tii \tlibc6\t2.36-9+deb12u4\tamd64\tglibc\t2.36-9+deb12u4",
            "deb\trc \told-thing\t1.0-1\tamd64\told\t1.0-1",
            "garbage line");

    @Test
    void guestLinesBecomeComponentsOnlyInstalledPackagesCount() {
        Sbom s = GuestInventory.parse("debian-12-minimal:3", DEBIAN, Instant.parse("2026-01-01T00:00:00Z"));
        assertEquals(List.of("libc6", "openssh-server"), s.packages().stream().map(Component::name).toList(), "rc: only its configuration is left");
        Component ssh = s.find("openssh-server").orElseThrow();
        assertEquals("pkg:deb/debian/openssh-server@1:9.2p1-2%2Bdeb12u3?arch=amd64&distro=debian-12", ssh.purl());
        assertEquals("Debian:12", ssh.ecosystem());
        assertEquals("openssh", ssh.sourceName());
        assertEquals("6.1.0-18-amd64", s.kernel().orElseThrow().version());
    }

    @Test
    void aGuestWithoutAPackageManagerListsItsKernelAndBusybox() {
        Sbom s = GuestInventory.parse("tiny-linux", List.of("kernel\t6.1.0-18-amd64\tx86_64",
                "busybox\tBusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary."), Instant.EPOCH);
        assertEquals("1.35.0", s.find("busybox").orElseThrow().version());
        assertEquals("generic", s.find("busybox").orElseThrow().ecosystem());
        List<String> debianWithBusybox = new java.util.ArrayList<>(DEBIAN);
        debianWithBusybox.add("busybox\tBusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.");
        assertTrue(GuestInventory.parse("d", debianWithBusybox, Instant.EPOCH).find("busybox").isEmpty(),
                "where dpkg lists packages, busybox is one of them (or not there), never a second entry");
        Sbom alpine = GuestInventory.parse("a", List.of("os\talpine\t3.19.1", "apk\tlibssl3-3.1.4-r5"), Instant.EPOCH);
        assertEquals("libssl3", alpine.packages().get(0).name());
        assertEquals("3.1.4-r5", alpine.packages().get(0).version());
        assertEquals("Alpine:v3.19", alpine.packages().get(0).ecosystem());
    }

    @Test
    void writesCycloneDx15AndReadsItBack() {
        Sbom s = GuestInventory.parse("debian-12-minimal:3", DEBIAN, Instant.parse("2026-01-01T00:00:00Z"));
        String json = CycloneDx.toJson(s);
        JsonNode root = Json.foreign(json.getBytes(), "sbom");
        assertEquals("CycloneDX", root.path("bomFormat").asText());
        assertEquals("1.5", root.path("specVersion").asText());
        assertTrue(root.path("serialNumber").asText().matches("urn:uuid:[0-9a-f-]{36}"), root.path("serialNumber").asText());
        assertEquals("debian-12-minimal", root.path("metadata").path("component").path("name").asText());
        assertEquals("3", root.path("metadata").path("component").path("version").asText());
        JsonNode kernel = root.path("components").get(0);
        assertEquals("operating-system", kernel.path("type").asText());
        assertEquals(3, root.path("components").size());
        assertFalse(json.contains("old-thing"));
        Sbom back = CycloneDx.parse(json.getBytes(), "sbom");
        assertEquals(s, back);
    }
}
