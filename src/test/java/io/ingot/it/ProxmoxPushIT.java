package io.ingot.it;

import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.qemu.QemuImg;
import io.ingot.target.PushService;
import io.ingot.target.Targets;
import io.ingot.target.proxmox.ProxmoxTargetType;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * {@code ingot push SOURCE proxmox:STORAGE?vmid=N} onto a dir storage of its own (as a Proxmox cluster would share it;
 * no Proxmox runs here): the files Proxmox expects under images/VMID, read-only where Proxmox keeps them so, qemu-img
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
        TemplateVersion shared = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Path base = store.storages().get(shared.primaryStorage()).locate(shared.name(), shared.version()).orElseThrow().baseImage().path();
        Manifest m = shared.manifest();
        TemplateVersion v = store.publisher().publish(new PublishRequest("proxmox-it-uefi", base, "qcow2", false,
                Manifest.empty().withMachine(m.qemuVersion(), "q35", m.cpuModel(), m.cpus(), m.memoryMiB(),
                        List.of("disk:virtio", "nic:virtio-net-pci", Devices.UEFI, Devices.AGENT)), List.of("local"), "latest"));
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
