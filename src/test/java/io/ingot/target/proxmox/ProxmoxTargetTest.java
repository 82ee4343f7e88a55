package io.ingot.target.proxmox;

import io.ingot.target.Target;
import io.ingot.target.TargetFeature;
import io.ingot.target.Targets;
import io.ingot.template.Devices;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.RbdStorage;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The names and the config against Proxmox's own formats, as its sources say them (no Proxmox runs here). The
 * patterns below are copied from pve-storage (src/PVE/Storage/Plugin.pm, RBDPlugin.pm; commit 0c56bad8, 2026-07-24) and
 * qemu-server (src/PVE/QemuServer.pm, Drive.pm, Network.pm; commit e6352be6, 2026-08-17), Perl regexes in Java syntax.
 */
class ProxmoxTargetTest {
    // pve-storage Plugin.pm parse_volume_id
    private static final Pattern VOLUME_ID = Pattern.compile("^([a-z][a-z0-9\\-_.]*[a-z0-9]):(.+)$", Pattern.CASE_INSENSITIVE);
    // Plugin.pm parse_volname (images) and parse_name_dir: "(vm-|base-|subvol-)(\d+)-[^/\s]+\.(raw|qcow2|vmdk|subvol)"
    private static final Pattern DIR_VOLNAME = Pattern.compile("^(\\d+)/(\\S+)$");
    private static final Pattern DIR_NAME = Pattern.compile("^((vm-|base-|subvol-)(\\d+)-[^/\\s]+\\.(raw|qcow2|vmdk|subvol))$");
    // Plugin.pm get_vm_disk_number: which disk of which VM a name is
    private static final String DISK_NUMBER = "(vm|base)-%d-disk-(\\d+)";
    // RBDPlugin.pm parse_volname: ('images', $4, $7, $2, $3, $5, 'raw'); $5 = "base" marks a base image
    private static final Pattern RBD_VOLNAME = Pattern.compile("^((base-(\\d+)-\\S+)/)?((base)?(vm)?-(\\d+)-\\S+)$");
    // RBDPlugin.pm list_images: a linked clone's parent
    private static final Pattern RBD_PARENT = Pattern.compile("^(base-\\d+-\\S+)@__base__$");
    // qemu-server Drive.pm drive_is_cloudinit ($QEMU_FORMAT_RE = raw|qcow|qcow2|qed|vmdk|cloop) and NEW_DISK_RE
    private static final Pattern CLOUDINIT = Pattern.compile("[:/](?:vm-\\d+-)?cloudinit(?:\\.(raw|qcow|qcow2|qed|vmdk|cloop))?$");
    private static final Pattern NEW_DISK = Pattern.compile("^(([^/:\\s]+):)?(\\d+(\\.\\d+)?)$");
    // QemuServer.pm parse_vm_config: a config line
    private static final Pattern CONF_LINE = Pattern.compile("^([a-z][a-z_\\-]*\\d*):\\s*(.+?)\\s*$");
    /**
     * The keys of qemu-server's $confdesc that ingot writes, each with the value format its schema gives (enum,
     * pattern, or for property strings the keys they take); drive and NIC keys are added by index (ide0-3, sata0-5,
     * scsi0-30, virtio0-15, net0-31, serial0-3) and follow their own formats below.
     */
    private static final Map<String, String> SCHEMA = Map.ofEntries(
            Map.entry("template", "[01]"),                    // boolean
            Map.entry("name", "(?:[a-zA-Z0-9](?:[a-zA-Z0-9\\-]*[a-zA-Z0-9])?\\.)*[a-zA-Z0-9](?:[a-zA-Z0-9\\-]*[a-zA-Z0-9])?"), // dns-name
            Map.entry("ostype", "other|wxp|w2k|w2k3|w2k8|wvista|win7|win8|win10|win11|l24|l26|solaris"),
            Map.entry("sockets", "[1-9]\\d*"),
            Map.entry("cores", "[1-9]\\d*"),
            Map.entry("memory", "[1-9]\\d*"),                 // Memory.pm memory_fmt: current (default key), MiB
            Map.entry("machine", "(pc|pc(-i440fx)?-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|q35|pc-q35-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?)"),
            Map.entry("scsihw", "lsi|lsi53c810|virtio-scsi-pci|virtio-scsi-single|megasas|pvscsi"),
            Map.entry("boot", "order=(ide|sata|scsi|virtio)\\d+"),   // boot_fmt order: pve-qm-bootdev-list
            Map.entry("smbios1", "uuid=[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}"),
            Map.entry("vmgenid", "(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])"),
            Map.entry("agent", "1"),                          // Agent.pm agent_fmt: enabled (default key), boolean
            Map.entry("bios", "seabios|ovmf"),
            Map.entry("serial0", "(/dev/[^,]+|socket)"),      // $serialdesc
            // Network.pm net_fmt: MODEL=MAC (model from nic_model_list, mac-addr), bridge
            Map.entry("net0", "(e1000|e1000-82540em|e1000-82544gc|e1000-82545em|e1000e|i82551|i82557b|i82559er|ne2k_isa|ne2k_pci|pcnet|rtl8139|virtio|vmxnet3)"
                    + "=[a-fA-F0-9]{2}(?::[a-fA-F0-9]{2}){5},bridge=[-_.\\w\\d]+"),
            // Drive.pm: file (default key, a volume ID), media (cdrom|disk), size (disk-size), efitype (2m|4m)
            Map.entry("ide2", "(?<file>[^,]+),media=cdrom"),
            Map.entry("virtio0", "(?<file>[^,]+),size=\\d+[KMGT]?"),
            Map.entry("sata0", "(?<file>[^,]+),size=\\d+[KMGT]?"),
            Map.entry("efidisk0", "(?<file>[^,]+),efitype=(2m|4m),size=\\d+[KMGT]?"));

    @Test
    void dirStorageNamesAreThoseParseVolnameReadsAsBaseImagesOfTheVm() {
        ProxmoxVolumes v = new ProxmoxVolumes("pve-shared", 9000, true);
        assertEquals("pve-shared:9000/base-9000-disk-0.qcow2", v.diskVolid(0));
        assertEquals(Path.of("/srv/pve/images/9000"), v.imagesDir(Path.of("/srv/pve")));
        for (String volid : List.of(v.diskVolid(0), v.diskVolid(1))) {
            Matcher id = VOLUME_ID.matcher(volid);
            assertTrue(id.matches(), volid);
            assertEquals("pve-shared", id.group(1));
            Matcher vol = DIR_VOLNAME.matcher(id.group(2));
            assertTrue(vol.matches(), volid);
            assertEquals("9000", vol.group(1), "the images folder of VM 9000");
            Matcher name = DIR_NAME.matcher(vol.group(2));
            assertTrue(name.matches(), volid);
            assertEquals("base-", name.group(2), "isBase: Proxmox makes linked clones from it");
            assertEquals("qcow2", name.group(4));
            assertTrue(Pattern.compile(String.format(DISK_NUMBER, 9000)).matcher(name.group(1)).find());
            assertFalse(NEW_DISK.matcher(volid).matches(), "not read as 'allocate a new disk'");
        }
        Matcher ci = VOLUME_ID.matcher(v.cloudinitVolid());
        assertTrue(ci.matches() && DIR_VOLNAME.matcher(ci.group(2)).matches());
        assertTrue(DIR_NAME.matcher(v.cloudinit()).matches(), "vm-9000-cloudinit.qcow2 parses as a volume of VM 9000");
        assertTrue(CLOUDINIT.matcher(v.cloudinitVolid()).find(), "qemu-server sees the cloud-init drive");
        assertFalse(CLOUDINIT.matcher(v.diskVolid(0)).find());
    }

    @Test
    void rbdNamesAreThoseRbdPluginReadsAsBaseImagesAndClonesFrom() {
        ProxmoxVolumes v = new ProxmoxVolumes("ceph", 9001, false);
        assertEquals("ceph:base-9001-disk-0", v.diskVolid(0));
        Matcher id = VOLUME_ID.matcher(v.diskVolid(0));
        assertTrue(id.matches());
        Matcher vol = RBD_VOLNAME.matcher(id.group(2));
        assertTrue(vol.matches());
        assertEquals("base-9001-disk-0", vol.group(4), "the image name");
        assertEquals("9001", vol.group(7), "owner VM");
        assertEquals("base", vol.group(5), "isBase");
        assertTrue(RBD_PARENT.matcher(v.disk(0) + "@" + ProxmoxVolumes.RBD_BASE_SNAPSHOT).matches(), "a clone's parent is IMAGE@__base__");
        Matcher ci = RBD_VOLNAME.matcher(v.cloudinit());
        assertTrue(ci.matches() && ci.group(5) == null && "9001".equals(ci.group(7)), "vm-9001-cloudinit: VM 9001's, not a base");
        assertTrue(CLOUDINIT.matcher(v.cloudinitVolid()).find());
    }

    @Test
    void aVmidIsTakenInAPoolByTheImagesRbdPluginCountsAsThatVmsOwn() {
        for (String image : List.of("base-9001-disk-0", "vm-9001-disk-3", "vm-9001-cloudinit", "vm-9001-state-snap1")) {
            assertTrue(ProxmoxRbdDisks.ownedBy(image, 9001), image);
            Matcher m = RBD_VOLNAME.matcher(image);
            assertTrue(m.matches() && "9001".equals(m.group(7)), "RBDPlugin reads " + image + " as VM 9001's too");
        }
        for (String image : List.of("base-90011-disk-0", "vm-900-disk-0", "base-tiny-linux-1", "tmp-base-9001-disk-0-77", "vm-9001")) {
            assertFalse(ProxmoxRbdDisks.ownedBy(image, 9001), image);
        }
    }

    @Test
    void aCephClusterThatCannotBeReachedIsOneLineBeforeAnythingIsMade(@TempDir Path local) {
        RbdStorage pool = new RbdStorage("ceph", new RbdStorage.Cluster("rbd", local.resolve("no-ceph.conf"), "admin", null), local, new QemuImg());
        ProxmoxRbdDisks disks = new ProxmoxRbdDisks("ceph", new ProxmoxVolumes("ceph", 9001, false), pool);
        String m = assertThrows(UserError.class, disks::requireFree).getMessage();
        assertTrue(m.startsWith("cannot list pool 'rbd' of storage 'ceph': "), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void theConfigIsKeyValueLinesOfQemuServersSchema() {
        ProxmoxVolumes v = new ProxmoxVolumes("pve-shared", 9000, true);
        String conf = QemuServerConf.of(new QemuServerConf.Spec("debian-12-minimal-3", "ingot push of debian-12-minimal:3\nsecond line",
                new VmConfig.Machine("q35", "max", 2, 1024, List.of("disk:virtio", "nic:virtio-net-pci", Devices.UEFI, Devices.AGENT)),
                v, 4L << 30, 131072, new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:12:34:56"), "vmbr0",
                "2f1c6a0e-8c53-4b7e-9d3e-1f0a2b3c4d5e", "7e5b1c2d-3a4f-4b6c-8d9e-0f1a2b3c4d5e"));
        Map<String, String> keys = parse(conf);
        assertEquals(Set.of("template", "name", "ostype", "sockets", "cores", "memory", "machine", "scsihw", "virtio0", "boot", "ide2",
                "net0", "smbios1", "vmgenid", "serial0", "agent", "bios", "efidisk0"), keys.keySet());
        keys.forEach((k, value) -> {
            Matcher m = Pattern.compile(SCHEMA.get(k)).matcher(value);
            assertTrue(m.matches(), k + ": " + value + " is not " + SCHEMA.get(k));
            if (SCHEMA.get(k).contains("(?<file>")) assertTrue(VOLUME_ID.matcher(m.group("file")).matches(), k + ": " + value);
        });
        assertEquals("1", keys.get("template"));
        assertEquals("order=virtio0", keys.get("boot"), "boots the disk on the bus the template was built with");
        assertEquals("pve-shared:9000/base-9000-disk-0.qcow2,size=4G", keys.get("virtio0"));
        assertEquals("pve-shared:9000/vm-9000-cloudinit.qcow2,media=cdrom", keys.get("ide2"));
        assertEquals("pve-shared:9000/base-9000-disk-1.qcow2,efitype=2m,size=128K", keys.get("efidisk0"));
        assertEquals("virtio=0A:49:4E:12:34:56,bridge=vmbr0", keys.get("net0"));
        assertTrue(conf.startsWith("#ingot push of debian-12-minimal:3\n#second line\n"), "the description as comment lines: " + conf);
    }

    @Test
    void aBiosTemplateOnSataHasNoEfiDiskAndSizesAreProxmoxs() {
        String conf = QemuServerConf.of(new QemuServerConf.Spec("t", "d", new VmConfig.Machine("pc", null, null, null, List.of("disk:sata")),
                new ProxmoxVolumes("s1", 100, true), 256L << 20, 0, new VmConfig.NicConfig("e1000", "0a:49:4e:00:00:01"), "vmbr1",
                "2f1c6a0e-8c53-4b7e-9d3e-1f0a2b3c4d5e", "7e5b1c2d-3a4f-4b6c-8d9e-0f1a2b3c4d5e"));
        Map<String, String> keys = parse(conf);
        assertEquals("s1:100/base-100-disk-0.qcow2,size=256M", keys.get("sata0"));
        assertFalse(keys.containsKey("bios") || keys.containsKey("efidisk0") || keys.containsKey("machine") || keys.containsKey("agent"), conf);
        assertEquals("e1000=0A:49:4E:00:00:01,bridge=vmbr1", keys.get("net0"));
        assertEquals("512", keys.get("memory"));
        assertEquals("1536K", QemuServerConf.size(1536 * 1024));
        assertEquals("1000", QemuServerConf.size(1000));
        assertEquals("2T", QemuServerConf.size(2L << 40));
        assertThrows(UserError.class, () -> QemuServerConf.diskKey(List.of("disk:nvme")));
    }

    @Test
    void theUriNamesAnIngotDirStorageAndAVmid(@TempDir Path images) throws Exception {
        Files.writeString(images.resolve("storage.yaml"), "storages:\n  shared:\n    type: dir\n    path: " + images.resolve("pve") + "\n"
                + "  ceph:\n    type: rbd\n    pool: rbd\n");
        Targets targets = new Targets(List.of(new ProxmoxTargetType(() -> images)));
        Target t = targets.open("proxmox:shared?vmid=9000&name=deb");
        assertEquals("proxmox:shared", t.location());
        assertEquals("deb", t.requestedName().orElseThrow());
        assertTrue(t.type().features().has(TargetFeature.FULL) && t.type().features().has(TargetFeature.UEFI));
        assertFalse(t.type().features().has(TargetFeature.LINKED) || t.type().features().has(TargetFeature.RAM));
        assertTrue(error(targets, "proxmox:shared").contains("vmid=N is missing"));
        assertTrue(error(targets, "proxmox:shared?vmid=99").contains("vmid is 100 to 999999999"));
        assertTrue(error(targets, "proxmox:shared?vmid=x").contains("vmid is a number"));
        assertTrue(error(targets, "proxmox:shared?vmid=100&name=a_b").contains("name is a DNS name"));
        assertTrue(error(targets, "proxmox:shared?vmid=100&storage-id=9x").contains("not a Proxmox storage ID"));
        assertTrue(error(targets, "proxmox:nosuch?vmid=100").contains("unknown storage 'nosuch'"));
        assertTrue(error(targets, "proxmox:?vmid=100").contains("expected proxmox:STORAGE?vmid=N"));
        assertTrue(error(targets, "proxmox:shared?vmid=100&pool=x").contains("unknown option 'pool'"));
        assertEquals("proxmox:ceph", targets.open("proxmox:ceph?vmid=100").location(), "an rbd storage is opened without reaching Ceph");
        assertTrue(Files.notExists(images.resolve("pve")) && Files.notExists(images.resolve("rbd")), "opening made nothing");
    }

    private static String error(Targets targets, String uri) {
        String m = assertThrows(UserError.class, () -> targets.open(uri)).getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }

    /** The config as qemu-server's parse_vm_config reads it: comment lines skipped, each other line KEY: VALUE. */
    static Map<String, String> parse(String conf) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String line : conf.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher m = CONF_LINE.matcher(line);
            assertTrue(m.matches(), "a config line: " + line);
            assertTrue(keys.put(m.group(1), m.group(2)) == null, "once: " + m.group(1));
        }
        return keys;
    }
}
