package io.ingot.target.proxmox;

import io.ingot.template.Devices;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A VM config in the format of Proxmox's {@code /etc/pve/qemu-server/VMID.conf} (qemu-server's parse_vm_config: a
 * {@code key: value} line each, the description as {@code #} comment lines on top, keys as qemu-server writes them,
 * sorted). It names the template's base disk on the bus the template was built with (its guest finds its root disk
 * as it did under ingot), the cloud-init drive, the machine (q35 where the template had it, OVMF and an EFI disk for a
 * UEFI template), CPUs and memory, the NIC with its MAC on a bridge, the SMBIOS UUID and vmgenid, and
 * {@code template: 1}.
 */
final class QemuServerConf {
    /** ingot's NIC models and Proxmox's names of them (qemu-server's nic_model_list). */
    private static final Map<String, String> NIC_MODELS = Map.of("virtio-net-pci", "virtio", "e1000", "e1000",
            "e1000e", "e1000e", "rtl8139", "rtl8139", "vmxnet3", "vmxnet3");

    /**
     * @param diskSize the base disk's virtual size in bytes ({@code size=}, informational for Proxmox)
     * @param efiSize  the EFI disk's size in bytes, for a UEFI template
     */
    record Spec(String name, String description, VmConfig.Machine machine, ProxmoxVolumes volumes, long diskSize, long efiSize,
                VmConfig.NicConfig nic, String bridge, String smbiosUuid, String vmgenid) { }

    private QemuServerConf() { }

    /** The drive key of the template's disk bus: virtio0, sata0 or ide0 (scsi0 for a SCSI disk). */
    static String diskKey(List<String> devices) {
        String bus = devices == null ? "virtio" : devices.stream().filter(d -> d.startsWith("disk:")).map(d -> d.substring(5))
                .findFirst().orElse("virtio");
        return switch (bus) {
            case "virtio", "sata", "ide", "scsi" -> bus + "0";
            default -> throw new UserError("the template's disk is on a '" + bus + "' bus, which Proxmox has no drive for (virtio, sata, ide, scsi)");
        };
    }

    static String of(Spec s) {
        VmConfig.Machine m = s.machine();
        List<String> devices = m.devices();
        Map<String, String> c = new TreeMap<>();
        String disk = diskKey(devices);
        String nicModel = NIC_MODELS.get(s.nic().model() == null ? "virtio-net-pci" : s.nic().model());
        if (nicModel == null) throw new UserError("the template's NIC model '" + s.nic().model() + "' has no Proxmox model here");
        c.put("template", "1");
        c.put("name", s.name());
        c.put("ostype", "l26");
        c.put("sockets", "1");
        c.put("cores", String.valueOf(m.cpus() == null ? 1 : m.cpus()));
        c.put("memory", String.valueOf(m.memoryMiB() == null ? 512 : m.memoryMiB()));
        if (m.type() != null && m.type().contains("q35")) c.put("machine", "q35");
        c.put("scsihw", "virtio-scsi-pci");
        c.put(disk, s.volumes().diskVolid(0) + ",size=" + size(s.diskSize()));
        c.put("boot", "order=" + disk);
        c.put("ide2", s.volumes().cloudinitVolid() + ",media=cdrom");
        c.put("net0", nicModel + "=" + s.nic().mac().toUpperCase() + ",bridge=" + s.bridge());
        c.put("smbios1", "uuid=" + s.smbiosUuid());
        c.put("vmgenid", s.vmgenid());
        // the serial console ingot's clones have; Proxmox's 'qm terminal' opens it
        c.put("serial0", "socket");
        if (Devices.agent(devices)) c.put("agent", "1");
        if (Devices.uefi(devices)) {
            c.put("bios", "ovmf");
            // 2m: the OVMF build (OVMF_CODE.fd, a 128K variable store) the template was made and booted with
            c.put("efidisk0", s.volumes().diskVolid(1) + ",efitype=2m,size=" + size(s.efiSize()));
        }
        StringBuilder b = new StringBuilder();
        for (String line : s.description().split("\\R")) b.append('#').append(line).append('\n');
        c.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }

    /** A size as Proxmox prints one (PVE::JSONSchema::format_size): the largest of K, M, G, T that divides it. */
    static String size(long bytes) {
        String[] units = {"K", "M", "G", "T"};
        if (bytes % 1024 != 0) return Long.toString(bytes);
        long n = bytes / 1024;
        int u = 0;
        while (u < units.length - 1 && n % 1024 == 0) {
            n /= 1024;
            u++;
        }
        return n + units[u];
    }
}
