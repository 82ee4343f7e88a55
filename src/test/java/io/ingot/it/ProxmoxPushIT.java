package io.ingot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.RbdStorage;
import io.ingot.target.PushService;
import io.ingot.target.Targets;
import io.ingot.target.proxmox.ProxmoxTargetType;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Command;
import io.ingot.util.Json;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot push SOURCE proxmox:STORAGE?vmid=N} onto a dir storage of its own and the test Ceph's rbd pool (as a
 * Proxmox cluster would share them; no Proxmox runs here): the files Proxmox expects under images/VMID, read-only where Proxmox keeps them so, qemu-img
 * reading them, and a config of {@code key: value} lines naming them. ProxmoxTargetTest checks the names and keys
 * against Proxmox's own formats.
 */
class ProxmoxPushIT {
    /** qemu-server's parse_vm_config: a line of the config. */
    private static final Pattern LINE = Pattern.compile("^([a-z][a-z_\\-]*\\d*):\\s*(.+?)\\s*$");
    private static Path dir;
    private static Path pve;
    private static Targets targets;

    @BeforeAll
    static void storage() throws Exception {
        dir = TestImages.home().resolve("target/proxmox-it").resolve(UUID.randomUUID().toString().substring(0, 8));
        pve = dir.resolve("pve-shared");
        Files.createDirectories(pve);
        // the storage the target names is in a storage.yaml of the test's own, beside the images directory
        Files.writeString(dir.resolve("storage.yaml"), "storages:\n  pve-shared:\n    type: dir\n    path: " + pve + "\n");
        targets = new Targets(List.of(new ProxmoxTargetType(() -> dir)));
    }

    @AfterAll
    static void cleanUp() {
        if (dir != null) Trees.deleteQuietly(dir);
    }

    @Test
    void tinyLinuxBecomesProxmoxsTemplateVmOnTheSharedDirStorage() throws Exception {
        ImageStore store = TestImages.store();
        TestImages.tinyLinux();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Path base = store.storages().get(v.primaryStorage()).locate(v.name(), v.version()).orElseThrow().baseImage().path();
        PushService push = new PushService(store, targets, () -> "tcg");

        PushService.Pushed p = push.push(v.ref(), "proxmox:pve-shared?vmid=9000&name=tiny", true, false, l -> { });
        DeliveryRecord d = new Deliveries(store.catalog()).find("proxmox", "proxmox:pve-shared", "9000").orElseThrow();
        assertEquals(p.record(), d);
        assertFalse(d.linked());

        Path images = pve.resolve("images/9000");
        assertEquals(List.of("base-9000-disk-0.qcow2", "vm-9000-cloudinit.qcow2"), list(images));
        Path disk = images.resolve("base-9000-disk-0.qcow2");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(disk)), "a base image is read-only");
        QemuImg.Info info = new QemuImg().info(disk, "qcow2");
        assertNull(info.backingFilename(), "a self-contained copy");
        assertEquals(new QemuImg().info(base, "qcow2").virtualSize(), info.virtualSize());
        assertEquals(Sha256.of(base), Sha256.of(disk), "the base image's bytes");
        assertEquals(4L << 20, new QemuImg().info(images.resolve("vm-9000-cloudinit.qcow2"), "qcow2").virtualSize(),
                "the cloud-init drive qemu-server makes (4 MiB)");

        Map<String, String> conf = parse(Files.readString(pve.resolve("9000.conf")));
        assertEquals("1", conf.get("template"));
        assertEquals("tiny", conf.get("name"));
        assertEquals("pve-shared:9000/base-9000-disk-0.qcow2,size=" + sizeOf(info.virtualSize()), conf.get("virtio0"));
        assertEquals("order=virtio0", conf.get("boot"));
        assertEquals("pve-shared:9000/vm-9000-cloudinit.qcow2,media=cdrom", conf.get("ide2"));
        assertEquals(String.valueOf(v.manifest().memoryMiB()), conf.get("memory"));
        assertEquals(String.valueOf(v.manifest().cpus()), conf.get("cores"));
        assertTrue(conf.get("net0").matches("virtio=0A:49:4E(:[0-9A-F]{2}){3},bridge=vmbr0"), conf.get("net0"));
        assertTrue(conf.get("smbios1").matches("uuid=[0-9a-f-]{36}") && conf.get("vmgenid").matches("[0-9a-f-]{36}"), conf.toString());
        assertFalse(conf.containsKey("bios"), "a BIOS template");

        // the same VM ID again: refused, nothing of the first touched
        String sha = Sha256.of(pve.resolve("9000.conf"));
        UserError taken = assertThrows(UserError.class, () -> push.push(v.ref(), "proxmox:pve-shared?vmid=9000&name=again", true, false, l -> { }));
        assertTrue(taken.getMessage().contains("VM 9000 is taken"), taken.getMessage());
        assertEquals(sha, Sha256.of(pve.resolve("9000.conf")));
        assertEquals(List.of("base-9000-disk-0.qcow2", "vm-9000-cloudinit.qcow2"), list(images));
        new Deliveries(store.catalog()).forget("proxmox", "proxmox:pve-shared", "9000");
    }

    @Test
    void aUefiTemplateGetsOvmfAndAnEfiDiskAndBadInputLeavesNothing() throws Exception {
        ImageStore store = TestImages.store();
        TestImages.tinyLinux();
        TemplateVersion v = uefiVersion(store, "proxmox-it-uefi");
        PushService push = new PushService(store, targets, () -> "tcg");
        try {
            Path conf = dir.resolve("uefi.conf");
            push.push(v.ref(), "proxmox:pve-shared?vmid=9001&config=" + conf, true, false, l -> { });
            Path efi = pve.resolve("images/9001/base-9001-disk-1.qcow2");
            assertEquals(128L << 10, new QemuImg().info(efi, "qcow2").virtualSize(), "an EFI disk holding OVMF's 128K variable store");
            assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(efi)));
            Map<String, String> keys = parse(Files.readString(conf));
            assertEquals("ovmf", keys.get("bios"));
            assertEquals("q35", keys.get("machine"));
            assertEquals("1", keys.get("agent"));
            assertEquals("pve-shared:9001/base-9001-disk-1.qcow2,efitype=2m,size=128K", keys.get("efidisk0"));
            assertFalse(Files.exists(pve.resolve("9001.conf")), "the config went where config= said");

            List<String> before = list(pve);
            List<DeliveryRecord> recorded = new Deliveries(store.catalog()).all();
            assertOneLine("target proxmox cannot take RAM templates", () -> push.push(v.ref(), "proxmox:pve-shared?vmid=9002", true, true, l -> { }));
            assertOneLine("folder " + dir.resolve("nosuch"), () -> push.push(v.ref(), "proxmox:pve-shared?vmid=9002&config=" + dir.resolve("nosuch/x.conf"),
                    true, false, l -> { }));
            assertOneLine(conf + " exists already", () -> push.push(v.ref(), "proxmox:pve-shared?vmid=9002&config=" + conf, true, false, l -> { }));
            assertOneLine("name is a DNS name", () -> push.push(v.ref(), "proxmox:pve-shared?vmid=9002&name=a_b", true, false, l -> { }));
            assertEquals(before, list(pve), "nothing made on the storage");
            assertEquals(recorded, new Deliveries(store.catalog()).all(), "nothing recorded");
            new Deliveries(store.catalog()).forget("proxmox", "proxmox:pve-shared", "9001");
        } finally {
            store.versions().remove(v.name(), v.version(), true);
        }
    }

    /**
     * On an rbd storage (the one-node Ceph): the raw image base-N-disk-0 with the protected snapshot __base__ that a
     * linked clone is made from as {@code qm clone} makes it ({@code rbd clone}), holding the template's disk; the
     * cloud-init image; the config naming both; a taken VM ID refused; a push failing half-way leaves no image.
     */
    @Test
    void onAnRbdStorageTheBaseImageHasTheProtectedSnapshotALinkedCloneIsMadeFrom() throws Exception {
        CephCluster ceph = CephCluster.shared();
        Files.writeString(dir.resolve("storage.yaml"), "storages:\n  pve-shared:\n    type: dir\n    path: " + pve + "\n"
                + ceph.storageYaml("pve-ceph"));
        ImageStore store = TestImages.store();
        TestImages.tinyLinux();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Path base = store.storages().get(v.primaryStorage()).locate(v.name(), v.version()).orElseThrow().baseImage().path();
        PushService push = new PushService(store, targets, () -> "tcg");
        List<String> before = rbdImages(ceph);
        String clone = "rbd/vm-9201-disk-0";
        TemplateVersion uefi = null;
        try {
            push.push(v.ref(), "proxmox:pve-ceph?vmid=9200&name=tiny", true, false, l -> { });
            assertTrue(new Deliveries(store.catalog()).find("proxmox", "proxmox:pve-ceph", "9200").isPresent());
            long size = new QemuImg().info(base, "qcow2").virtualSize();
            JsonNode info = Json.MAPPER.readTree(ceph.rbd("info", "--format", "json", "rbd/base-9200-disk-0"));
            assertEquals(size, info.path("size").asLong(), "a raw image of the template's virtual size");
            JsonNode snaps = Json.MAPPER.readTree(ceph.rbd("snap", "ls", "--format", "json", "rbd/base-9200-disk-0"));
            assertEquals(1, snaps.size(), snaps.toString());
            assertEquals("__base__", snaps.get(0).path("name").asText());
            assertEquals("true", snaps.get(0).path("protected").asText(), "protected, as RBDPlugin's create_base leaves it");
            assertEquals(4L << 20, Json.MAPPER.readTree(ceph.rbd("info", "--format", "json", "rbd/vm-9200-cloudinit")).path("size").asLong());

            // what 'qm clone 9200 9201' does on rbd: a child of base-9200-disk-0@__base__
            ceph.rbd("clone", "rbd/base-9200-disk-0@__base__", clone);
            assertTrue(ceph.rbd("info", clone).contains("parent: rbd/base-9200-disk-0@__base__"), "copy-on-write");
            String uri = ceph.client().uri("vm-9201-disk-0");
            Command.Result same = Command.exec(List.of("qemu-img", "compare", "-f", "qcow2", "-F", "raw", base.toString(), uri), Duration.ofMinutes(5));
            assertEquals(0, same.exitCode(), "the clone holds the template's disk: " + same.output());

            Path confFile = dir.resolve("rbd/pve-ceph/9200.conf");
            Map<String, String> conf = parse(Files.readString(confFile));
            assertEquals("1", conf.get("template"));
            assertEquals("pve-ceph:base-9200-disk-0,size=" + sizeOf(size), conf.get("virtio0"));
            assertEquals("pve-ceph:vm-9200-cloudinit,media=cdrom", conf.get("ide2"));

            // the same VM ID again: refused in one line, the first untouched
            String sha = Sha256.of(confFile);
            List<String> made = rbdImages(ceph);
            assertOneLine("VM 9200 is taken", () -> push.push(v.ref(), "proxmox:pve-ceph?vmid=9200&name=again", true, false, l -> { }));
            assertEquals(made, rbdImages(ceph));
            assertEquals(sha, Sha256.of(confFile));

            // half-way (the disks written, the config cannot be): the images go again
            Path blocker = dir.resolve("rbd/pve-ceph/.9202.conf.ingot-" + ProcessHandle.current().pid());
            Files.createDirectories(blocker);
            List<String> said = new ArrayList<>();
            Exception failed = assertThrows(Exception.class, () -> push.push(v.ref(), "proxmox:pve-ceph?vmid=9202", true, false, said::add));
            assertTrue(said.contains("writing base disk 0 to rbd/base-9202-disk-0 (raw)"), "it failed after the disk: " + said);
            assertTrue(String.valueOf(failed.getMessage()).contains(blocker.getFileName().toString()), String.valueOf(failed.getMessage()));
            Trees.deleteQuietly(blocker);
            assertEquals(made, rbdImages(ceph), "nothing of VM 9202 left in the pool");
            assertFalse(Files.exists(dir.resolve("rbd/pve-ceph/9202.conf")));

            // a UEFI template: its EFI disk is a base image with __base__ too (create_base makes every disk but cloud-init one)
            uefi = uefiVersion(store, "proxmox-it-uefi-rbd");
            push.push(uefi.ref(), "proxmox:pve-ceph?vmid=9203", true, false, l -> { });
            assertEquals(128L << 10, Json.MAPPER.readTree(ceph.rbd("info", "--format", "json", "rbd/base-9203-disk-1")).path("size").asLong());
            assertTrue(ceph.rbd("info", "rbd/base-9203-disk-1@__base__").contains("protected: True"));
            assertEquals("pve-ceph:base-9203-disk-1,efitype=2m,size=128K", parse(Files.readString(dir.resolve("rbd/pve-ceph/9203.conf"))).get("efidisk0"));
        } finally {
            new Deliveries(store.catalog()).forget("proxmox", "proxmox:pve-ceph", "9200");
            new Deliveries(store.catalog()).forget("proxmox", "proxmox:pve-ceph", "9203");
            if (uefi != null) store.versions().remove(uefi.name(), uefi.version(), true);
            Command.exec(ceph.client().rbd("rm", "--no-progress", clone), Duration.ofMinutes(2));
            RbdStorage pool = new RbdStorage("pve-ceph", ceph.client(), dir.resolve("rbd/pve-ceph"), new QemuImg());
            for (String image : List.of("base-9200-disk-0", "vm-9200-cloudinit", "base-9203-disk-0", "base-9203-disk-1", "vm-9203-cloudinit")) {
                pool.removeImage(image);
            }
        }
        assertEquals(before, rbdImages(ceph));
    }

    /** tiny-linux's base image as a UEFI template on q35 with the guest agent. */
    private static TemplateVersion uefiVersion(ImageStore store, String name) throws Exception {
        TemplateVersion shared = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Path base = store.storages().get(shared.primaryStorage()).locate(shared.name(), shared.version()).orElseThrow().baseImage().path();
        Manifest m = shared.manifest();
        return store.publisher().publish(new PublishRequest(name, base, "qcow2", false,
                Manifest.empty().withMachine(m.qemuVersion(), "q35", m.cpuModel(), m.cpus(), m.memoryMiB(),
                        List.of("disk:virtio", "nic:virtio-net-pci", Devices.UEFI, Devices.AGENT)), List.of("local"), "latest"));
    }

    private static List<String> rbdImages(CephCluster ceph) throws Exception {
        return List.of(ceph.rbd("ls", "rbd").strip().split("\\s+"));
    }

    /** Proxmox's size notation (format_size): the largest unit that divides it. */
    private static String sizeOf(long bytes) {
        String[] units = {"K", "M", "G", "T"};
        long n = bytes / 1024;
        int u = 0;
        while (u < 3 && n % 1024 == 0) {
            n /= 1024;
            u++;
        }
        return bytes % 1024 != 0 ? Long.toString(bytes) : n + units[u];
    }

    private static Map<String, String> parse(String conf) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String line : conf.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "a key: value line: " + line);
            assertNull(keys.put(m.group(1), m.group(2)), "once: " + m.group(1));
        }
        return keys;
    }

    private static List<String> list(Path folder) throws Exception {
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertOneLine(String expected, org.junit.jupiter.api.function.Executable push) {
        UserError e = assertThrows(UserError.class, push);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
