package io.ingot.target.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.trust.Signed;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Json;
import io.ingot.util.UserError;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageLayoutTest {
    private static final String D1 = "sha256:" + "1".repeat(64);
    private static final String D2 = "sha256:" + "2".repeat(64);

    private static Manifest manifest() {
        return Manifest.empty().withIdentity("web", 3, Instant.parse("2026-12-01T10:00:00Z"))
                .withMachine("7.2", "q35", "max", 1, 256, List.of("disk:virtio", Devices.UEFI))
                .withDisk(new Manifest.Disk("disk.qcow2", "qcow2", 1L << 30, 1000L, "a".repeat(64)))
                .withLineage("base:1", List.of(new Manifest.Ancestor("base:1", "b".repeat(64), null, null)));
    }

    @Test
    void theManifestNamesConfigAndLayersWithTheirAnnotationsAndReadsBack() {
        Manifest m = manifest();
        Map<String, String> a = ImageLayout.annotations(m, null);
        assertEquals("web", a.get("io.ingot.template"));
        assertEquals("3", a.get("io.ingot.version"));
        assertEquals("a".repeat(64), a.get("io.ingot.disk.sha256"));
        assertEquals("uefi", a.get("io.ingot.firmware"));
        assertEquals("base:1", a.get("io.ingot.lineage"));
        assertEquals("2026-12-01T10:00:00Z", a.get("org.opencontainers.image.created"));
        byte[] config = ImageLayout.config(m, a, List.of(D1));
        JsonNode c = Json.foreign(config, "config");
        assertEquals("amd64", c.path("architecture").asText());
        assertEquals("linux", c.path("os").asText());
        assertEquals(D1, c.path("rootfs").path("diff_ids").path(0).asText());
        assertEquals("uefi", c.path("config").path("Labels").path("io.ingot.firmware").asText());
        assertEquals(m, ImageLayout.ingotManifest(config, "x"), "ingot's manifest travels whole in the config");
        assertEquals(m.toJson(), ImageLayout.manifestLabel(config));

        ImageLayout.Blob cfg = new ImageLayout.Blob(ImageLayout.CONFIG_TYPE, D2, config.length, a);
        ImageLayout.Blob disk = new ImageLayout.Blob(ImageLayout.LAYER_TYPE, D1, 5000, Map.of(ImageLayout.FILE, "disk.qcow2"));
        byte[] json = ImageLayout.manifest(cfg, List.of(disk), a);
        JsonNode n = Json.foreign(json, "manifest");
        assertEquals(2, n.path("schemaVersion").asInt());
        assertEquals("application/vnd.oci.image.manifest.v1+json", n.path("mediaType").asText());
        assertEquals("application/vnd.oci.image.layer.v1.tar", n.path("layers").path(0).path("mediaType").asText());
        ImageLayout.Parsed p = ImageLayout.parseManifest(json, "x");
        assertEquals(cfg, p.config());
        assertEquals(List.of(disk), p.layers());
        assertEquals(a, p.annotations());
    }

    @Test
    void whatIsNotIngotsImageIsRefusedInOneLine() {
        Manifest m = manifest();
        byte[] clone = ImageLayout.config(m, ImageLayout.annotations(m, "web1"), List.of(D1));
        assertTrue(assertThrows(UserError.class, () -> ImageLayout.ingotManifest(clone, "x")).getMessage()
                .contains("holds clone 'web1', not a template version"));
        assertTrue(assertThrows(UserError.class, () -> ImageLayout.ingotManifest("{\"config\":{}}".getBytes(), "x")).getMessage()
                .contains("not a template pushed by ingot"));
        assertTrue(assertThrows(UserError.class, () -> ImageLayout.parseManifest(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}".getBytes(), "x")).getMessage()
                .contains("not an OCI image manifest"));
        assertTrue(assertThrows(UserError.class, () -> ImageLayout.parseManifest(
                "{\"schemaVersion\":2,\"config\":{\"digest\":\"md5:1\",\"size\":1}}".getBytes(), "x")).getMessage()
                .contains("without a sha256 digest"));
    }

    @Test
    void theLayerIsATarOfTheDiskOwnedByQemuAndReadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("disk.qcow2");
        byte[] data = new byte[1500];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        Files.write(file, data);
        LayerTar t = LayerTar.of("disk", "disk.qcow2", file, 1_700_000_000L);
        byte[] tar;
        try (InputStream in = t.open()) {
            tar = in.readAllBytes();
        }
        assertEquals(t.size(), tar.length);
        assertEquals(0, tar.length % 512);
        try (InputStream in = t.open()) {
            assertArrayEquals(tar, in.readAllBytes(), "the same bytes each time: one digest holds for the upload");
        }
        TarArchiveInputStream r = new TarArchiveInputStream(new ByteArrayInputStream(tar));
        TarArchiveEntry d = r.getNextEntry();
        assertEquals("disk/", d.getName());
        assertTrue(d.isDirectory());
        TarArchiveEntry f = r.getNextEntry();
        assertEquals("disk/disk.qcow2", f.getName());
        assertEquals(107, f.getLongUserId());
        assertEquals(107, f.getLongGroupId());
        assertEquals(0440, f.getMode());
        assertEquals(1500, f.getSize());
        assertArrayEquals(data, r.readAllBytes());

        Path out = dir.resolve("out");
        LayerTar.extract(new ByteArrayInputStream(tar), "disk/disk.qcow2", out, "layer");
        assertArrayEquals(data, Files.readAllBytes(out));
        assertTrue(assertThrows(UserError.class, () -> LayerTar.extract(new ByteArrayInputStream(tar), "disk/other", dir.resolve("o2"), "layer"))
                .getMessage().contains("expected only disk/other"));
    }

    @Test
    void aDiskOver8GiBHasItsSizeInBase256() throws Exception {
        long size = 20L << 30;
        TarArchiveEntry e = new TarArchiveEntry(LayerTar.header("disk/disk.qcow2", '0', 0440, size, 0));
        assertEquals(size, e.getSize());
        assertEquals("disk/disk.qcow2", e.getName());
    }

    @Test
    void theEnvelopeInTheConfigCoversTheCarriedFilesAndTheManifestAsInItsLabel(@TempDir Path tmp) throws Exception {
        Manifest m = manifest();
        VersionTrust site = new VersionTrust(tmp.resolve("keys"), tmp.resolve("trust"));
        Map<String, String> carried = Map.of("disk.qcow2", "a".repeat(64), "sbom.cdx.json", "c".repeat(64));
        byte[] envelope = Signed.envelope(site, ImageLayout.subjects(carried, m.toJson()));
        byte[] config = ImageLayout.config(m, ImageLayout.annotations(m, null), List.of(D1, D2), envelope);
        assertArrayEquals(envelope, ImageLayout.envelope(config));
        assertEquals(null, ImageLayout.envelope(ImageLayout.config(m, Map.of(), List.of(D1))), "an unsigned image has none");
        String label = ImageLayout.manifestLabel(config);
        assertEquals(io.ingot.trust.KeyFiles.keyId(site.siteKey().load().getPublic()), VersionTrust.verify("web:3", ImageLayout.envelope(config), ImageLayout.subjects(carried, label),
                site.trusted()).keyId());
        // another manifest in the label (a sha256 rewritten), or a file the signature does not name: refused
        String altered = m.withDisk(new Manifest.Disk("disk.qcow2", "qcow2", 1L << 30, 1000L, "d".repeat(64))).toJson();
        UserError e = assertThrows(UserError.class, () -> VersionTrust.verify("web:3", envelope, ImageLayout.subjects(carried, altered), site.trusted()));
        assertTrue(e.getMessage().contains("manifest.json has sha256"), e.getMessage());
        Map<String, String> more = new java.util.HashMap<>(carried);
        more.put("ram/state", "e".repeat(64));
        e = assertThrows(UserError.class, () -> VersionTrust.verify("web:3", envelope, ImageLayout.subjects(more, label), site.trusted()));
        assertTrue(e.getMessage().contains("ram/state is not among the files key"), e.getMessage());
    }
}
