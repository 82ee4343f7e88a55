package io.ingot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.qemu.QemuImg;
import io.ingot.target.PushService;
import io.ingot.target.Targets;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.IngotPaths;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ingot push} to a real Glance (Debian's glance-api, standalone: no Keystone, sqlite, file store): a full
 * copy of tiny-linux becomes an active image whose checksums, size, bytes and properties are what ingot sent and
 * says; bad input gets one line and leaves no image in Glance.
 */
class GlancePushIT {
    private static final String TEMPLATE = "glance-it";
    /** Glance refuses images over this: tiny-linux's qcow2 (~30 MiB) fits, its raw form (256 MiB) does not. */
    private static final long SIZE_CAP = 128L << 20;
    private static GlanceApi glance;

    @BeforeAll
    static void glance() throws Exception {
        assumeTrue(GlanceApi.installed(), "glance-api is not installed (apt-get install glance-api)");
        glance = GlanceApi.start(TestImages.home().resolve("target/glance-it").resolve(UUID.randomUUID().toString().substring(0, 8)), SIZE_CAP);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (glance == null) return;
        try {
            glance.close();
            Trees.deleteQuietly(glance.dir());
        } finally {
            ImageStore store = TestImages.store();
            for (TemplateVersion v : store.catalog().versions(TEMPLATE)) {
                if (v.deleting()) continue;
                try {
                    store.versions().remove(v.name(), v.version(), true);
                } catch (UserError e) {
                    System.err.println("GlancePushIT keeps " + v.ref() + ": " + e.getMessage());
                }
            }
        }
    }

    @Test
    void aFullCopyBecomesAnActiveImageWithWhatNovaReads() throws Exception {
        ImageStore store = TestImages.store();
        TemplateVersion v = template(store);
        Path base = store.storages().get("local").locate(TEMPLATE, v.version()).orElseThrow().baseImage().path();
        String location = "glance+http://127.0.0.1:" + glance.port();

        Cli push = Cli.run("push", v.ref(), location + "?name=git-full&visibility=private&os_distro=debian", "--full");
        assertEquals(0, push.code, push.err);
        assertTrue(push.out.startsWith("pushed full copy of " + v.ref() + ": Glance image "), push.out);
        DeliveryRecord d = new Deliveries(store.catalog()).of(TEMPLATE, v.version()).stream()
                .filter(r -> r.target().equals("glance")).findFirst().orElseThrow(() -> new AssertionError("no delivery recorded"));
        assertEquals(location, d.location());
        assertFalse(d.linked());
        assertEquals(Sha256.of(base), d.sha256());
        assertEquals(List.of(d.reference()), glance.images(), "the recorded reference is the image's id");

        JsonNode image = glance.image(d.reference());
        assertEquals("active", image.path("status").asText());
        assertEquals(Files.size(base), image.path("size").asLong(), "Glance's size is the base image's");
        assertEquals(hex("MD5", base), image.path("checksum").asText());
        assertEquals("sha512", image.path("os_hash_algo").asText());
        assertEquals(hex("SHA-512", base), image.path("os_hash_value").asText());
        Path download = glance.dir().resolve("download");
        glance.download(d.reference(), download);
        assertEquals(Sha256.of(base), Sha256.of(download), "the download is the base image");
        Files.delete(download);

        Manifest m = v.manifest();
        assertEquals("git-full", image.path("name").asText());
        assertEquals("qcow2", image.path("disk_format").asText());
        assertEquals("bare", image.path("container_format").asText());
        assertEquals("private", image.path("visibility").asText());
        assertEquals((m.disk().virtualSize() + (1L << 30) - 1) >> 30, image.path("min_disk").asLong(), "GiB, rounded up");
        assertEquals(m.memoryMiB().intValue(), image.path("min_ram").asInt());
        assertEquals(Devices.uefi(m.devices()) ? "uefi" : "bios", image.path("hw_firmware_type").asText());
        assertEquals(Devices.agent(m.devices()) ? "yes" : "no", image.path("hw_qemu_guest_agent").asText());
        assertEquals("virtio", image.path("hw_disk_bus").asText());
        assertEquals("virtio", image.path("hw_vif_model").asText());
        assertEquals("x86_64", image.path("architecture").asText());
        assertEquals("debian", image.path("os_distro").asText());
        assertEquals(TEMPLATE, image.path("ingot_template").asText());
        assertEquals(String.valueOf(v.version()), image.path("ingot_version").asText());
        assertEquals(Sha256.of(base), image.path("ingot_sha256").asText());

        Cli templates = Cli.run("templates");
        assertTrue(templates.out.contains(v.version() + ": glance " + d.reference() + " at " + location), templates.out);
        // a full copy does not hold its version: rm removes it and says the image stays in Glance
        Cli rm = Cli.run("rm", v.ref(), "--force");
        assertEquals(0, rm.code, rm.err);
        assertTrue(rm.out.contains("left behind: glance " + d.reference() + " at " + location + " (full copy)"), rm.out);
        assertEquals("active", glance.image(d.reference()).path("status").asText(), "the image is still there");
        glance.delete(d.reference());
        new Deliveries(store.catalog()).forget("glance", location, d.reference());
    }

    @Test
    void badInputGetsOneLineAndLeavesNoImage() throws Exception {
        ImageStore store = TestImages.store();
        TemplateVersion v = template(store);
        PushService push = new PushService(store, Targets.registered(), () -> "tcg");
        String at = "glance+http://127.0.0.1:" + glance.port();
        List<String> before = glance.images();
        List<DeliveryRecord> recorded = new Deliveries(store.catalog()).all();

        assertOneLine("cannot reach Glance at http://127.0.0.1:1: connection refused", () -> push.push(v.ref(), "glance+http://127.0.0.1:1?name=git-x", true, false, l -> { }));
        assertOneLine("target glance cannot take RAM templates", () -> push.push(v.ref(), at, true, true, l -> { }));
        assertOneLine("Glance at http://127.0.0.1:" + glance.port() + " refused the new image: HTTP 400: Provided object does not match schema 'image'",
                () -> push.push(v.ref(), at + "?name=" + "n".repeat(300), true, false, l -> { }));
        // Glance takes the image, then refuses its data (over image_size_cap): the image it made is deleted again
        List<String> progress = new java.util.ArrayList<>();
        assertOneLine("refused the image's data: HTTP 413", () -> push.push(v.ref(), at + "?name=git-raw&disk_format=raw", true, false, progress::add));
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("deleted Glance image")), String.join("\n", progress));

        assertEquals(before, glance.images(), "no image left in Glance");
        assertEquals(recorded, new Deliveries(store.catalog()).all(), "nothing recorded");
        Cli cli = Cli.run("push", v.ref(), "glance+http://127.0.0.1:1", "--full");
        assertEquals(2, cli.code);
        assertEquals(1, cli.err.strip().lines().count(), cli.err);
        Cli ram = Cli.run("push", v.ref(), at, "--full", "--ram");
        assertEquals(2, ram.code);
        assertEquals(1, ram.err.strip().lines().count(), ram.err);
    }

    @Test
    void onAnRbdStoragesCephGlanceReadsTheImageFromItsOwnRbdLayout() throws Exception {
        CephCluster ceph = CephCluster.shared();
        TestImages.tinyLinux();
        TemplateVersion shared = TestImages.store().catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        IngotPaths paths = RbdStorageIT.cephImages(ceph, "it-glance-ceph-images");
        ImageStore store = ImageStore.open(paths);
        TemplateVersion v = store.publisher().publish(new PublishRequest("glance-rbd", RbdStorageIT.sharedBase(shared), "qcow2", false,
                RbdStorageIT.machineOf(shared), List.of("local"), "latest"));
        Path raw = glance.dir().resolve("expected.raw");
        new QemuImg().convert(RbdStorageIT.sharedBase(shared), "qcow2", raw, "raw", false);
        String fsid = Files.readAllLines(ceph.conf()).stream().filter(l -> l.startsWith("fsid = ")).findFirst().orElseThrow().substring(7);
        List<String> rbdBefore = List.of(ceph.rbd("ls", "rbd").strip().split("\\s+"));

        // a Glance without an rbd store (the class's) refuses the location: the rbd image and the Glance image go again
        List<String> before = glance.images();
        Cli refused = Cli.run(paths, "push", v.ref(), "glance+http://127.0.0.1:" + glance.port() + "?rbd=ceph&pool=rbd", "--full");
        assertEquals(2, refused.code, refused.err);
        assertTrue(refused.err.contains("refused the location rbd://" + fsid + "/rbd/") && refused.err.contains("show_multiple_locations"), refused.err);
        assertTrue(refused.err.contains("removed rbd rbd/"), refused.err);
        assertEquals(before, glance.images(), "no image left in Glance");
        assertEquals(rbdBefore, List.of(ceph.rbd("ls", "rbd").strip().split("\\s+")), "no rbd image left");

        try (GlanceApi withRbd = GlanceApi.start(glance.dir().resolve("rbd"), SIZE_CAP * 4, ceph)) {
            Cli push = Cli.run(paths, "push", v.ref(), "glance+http://127.0.0.1:" + withRbd.port() + "?rbd=ceph&pool=rbd&name=git-rbd", "--full");
            assertEquals(0, push.code, push.err);
            String id = withRbd.images().get(0);
            assertTrue(push.out.contains("on rbd rbd/" + id + "@snap"), push.out);
            JsonNode image = withRbd.image(id);
            assertEquals("active", image.path("status").asText());
            assertEquals("raw", image.path("disk_format").asText());
            assertEquals(Files.size(raw), image.path("size").asLong(), "Glance's size, read from the rbd image");
            assertEquals(hex("MD5", raw), image.path("checksum").asText());
            assertEquals(hex("SHA-512", raw), image.path("os_hash_value").asText());
            assertEquals("rbd://" + fsid + "/rbd/" + id + "/snap", image.path("locations").path(0).path("url").asText(), image.toString());
            assertEquals("glance-rbd", image.path("ingot_template").asText());
            Path download = glance.dir().resolve("download.raw");
            withRbd.download(id, download);
            assertEquals(Sha256.of(raw), Sha256.of(download), "Glance serves the rbd image's bytes");
            Files.delete(download);

            // Glance's layout, as Nova and Cinder clone from it: a protected snapshot 'snap', and a copy-on-write child of it
            assertTrue(ceph.rbd("snap", "ls", "rbd/" + id).contains("snap"));
            assertTrue(ceph.rbd("info", "rbd/" + id + "@snap").contains("protected: True"));
            String child = "glance-it-child-" + UUID.randomUUID().toString().substring(0, 8);
            ceph.rbd("clone", "rbd/" + id + "@snap", "rbd/" + child);
            try {
                assertTrue(ceph.rbd("info", "rbd/" + child).contains("parent: rbd/" + id + "@snap"), "copy-on-write");
                var compare = io.ingot.util.Command.exec(List.of("qemu-img", "compare", "-f", "raw", "-F", "raw", raw.toString(),
                        ceph.client().uri(child)), java.time.Duration.ofMinutes(5));
                assertEquals(0, compare.exitCode(), "the child reads the template's disk: " + compare.output());
            } finally {
                ceph.rbd("rm", "--no-progress", "rbd/" + child);
            }
            // the image is Glance's now: deleting it there removes it from Ceph
            withRbd.delete(id);
            assertFalse(ceph.rbd("ls", "rbd").contains(id), "Glance removed its rbd image");
        } finally {
            Files.deleteIfExists(raw);
            store.versions().remove(v.name(), v.version(), true);
        }
    }

    private static TemplateVersion template(ImageStore store) throws Exception {
        return TestImages.ownTemplate(store, TEMPLATE);
    }

    private static String hex(String algorithm, Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance(algorithm);
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void assertOneLine(String expected, org.junit.jupiter.api.function.Executable push) {
        UserError e = assertThrows(UserError.class, push);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

}
