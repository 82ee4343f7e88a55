package io.ingot.target.libvirt;

import io.ingot.template.Devices;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;

import java.util.List;
import java.util.Map;

/**
 * The libvirt XML of a pushed machine: the template's machine type, CPU, memory and firmware (OVMF with a
 * per-domain variable store that libvirt makes from the package's template), virtio devices, the guest agent
 * channel, the disk with its backing chain spelled out (explicit formats, no probing), the seed as a CD-ROM, and the
 * identity: MAC, UUID (libvirt gives the domain's UUID to SMBIOS) and vmgenid. Also the XML of its volumes.
 */
final class DomainXml {
    /** Where Debian's ovmf package puts the firmware and the empty variable store on the libvirt host. */
    static final String OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd";
    static final String OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd";
    private static final Map<String, String> NIC_MODELS = Map.of("virtio-net-pci", "virtio", "e1000", "e1000",
            "e1000e", "e1000e", "rtl8139", "rtl8139", "vmxnet3", "vmxnet3");

    /**
     * @param domainType kvm or qemu (TCG)
     * @param disk       the disk volume's path; {@code backing} its base image (null: a self-contained disk)
     * @param network    a libvirt network's name, or null for user-mode networking
     * @param asRoot     run this domain's QEMU as root (run-as=root) instead of qemu.conf's user
     */
    record Spec(String name, String domainType, VmConfig.Machine machine, String disk, String backing, String backingFormat,
                String seed, VmConfig.NicConfig nic, String network, String uuid, String genid, String description, boolean asRoot) { }

    private DomainXml() { }

    static String domain(Spec s) {
        VmConfig.Machine m = s.machine();
        List<String> devices = m.devices() == null ? List.of() : m.devices();
        boolean q35 = m.type() != null && m.type().contains("q35");
        StringBuilder x = new StringBuilder();
        x.append("<domain type='").append(s.domainType()).append("'>\n");
        x.append("  <name>").append(esc(s.name())).append("</name>\n");
        x.append("  <uuid>").append(s.uuid()).append("</uuid>\n");
        x.append("  <genid>").append(s.genid()).append("</genid>\n");
        x.append("  <description>").append(esc(s.description())).append("</description>\n");
        x.append("  <memory unit='MiB'>").append(m.memoryMiB() == null ? 512 : m.memoryMiB()).append("</memory>\n");
        x.append("  <vcpu>").append(m.cpus() == null ? 1 : m.cpus()).append("</vcpu>\n");
        x.append("  <os>\n    <type arch='x86_64'").append(m.type() == null ? "" : " machine='" + esc(m.type()) + "'").append(">hvm</type>\n");
        if (Devices.uefi(devices)) {
            // the variable store is libvirt's to make (from the template) and to remove with the domain: one per domain
            x.append("    <loader readonly='yes' type='pflash'>").append(OVMF_CODE).append("</loader>\n");
            x.append("    <nvram template='").append(OVMF_VARS).append("'/>\n");
        }
        x.append("    <boot dev='hd'/>\n  </os>\n");
        x.append("  <features><acpi/><apic/></features>\n");
        x.append(cpu(m.cpu()));
        x.append("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n");
        x.append("  <devices>\n");
        String bus = diskBus(devices);
        x.append("    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n");
        x.append("      <source file='").append(esc(s.disk())).append("'/>\n");
        if (s.backing() != null) {
            // the base stays ingot's: read-only, never relabelled (its mode 0444 lets libvirt's QEMU user read it)
            x.append("      <backingStore type='file'>\n        <format type='").append(esc(s.backingFormat())).append("'/>\n");
            if (s.asRoot()) {
                // the domain's own label below relabels nothing, and libvirt allows no per-disk label beside it
                x.append("        <source file='").append(esc(s.backing())).append("'/>\n");
            } else {
                x.append("        <source file='").append(esc(s.backing())).append("'>\n");
                x.append("          <seclabel model='dac' relabel='no'/>\n        </source>\n");
            }
            x.append("        <backingStore/>\n      </backingStore>\n");
        } else {
            x.append("      <backingStore/>\n");
        }
        x.append("      <target dev='").append(diskDev(bus)).append("' bus='").append(bus).append("'/>\n    </disk>\n");
        // the NoCloud seed as a CD-ROM, as Proxmox's cloud-init drive: IDE on i440fx, SATA on q35
        x.append("    <disk type='file' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n");
        x.append("      <source file='").append(esc(s.seed())).append("'/>\n");
        x.append("      <target dev='").append(q35 ? "sdb' bus='sata'" : "hdc' bus='ide'").append("/>\n      <readonly/>\n    </disk>\n");
        if (s.network() == null) {
            x.append("    <interface type='user'>\n");
        } else {
            x.append("    <interface type='network'>\n      <source network='").append(esc(s.network())).append("'/>\n");
        }
        x.append("      <mac address='").append(esc(s.nic().mac())).append("'/>\n");
        x.append("      <model type='").append(nicModel(s.nic().model())).append("'/>\n    </interface>\n");
        if (Devices.agent(devices)) {
            x.append("    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n    </channel>\n");
        }
        x.append("    <serial type='pty'/>\n    <console type='pty'/>\n");
        x.append("    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n    </rng>\n");
        // no balloon, as in ingot's own clones
        x.append("    <memballoon model='none'/>\n");
        x.append("  </devices>\n");
        if (s.asRoot()) {
            // QEMU as root for this domain alone, nothing chowned: for images its usual user (qemu.conf's) cannot reach
            x.append("  <seclabel type='static' model='dac' relabel='no'>\n    <label>+0:+0</label>\n  </seclabel>\n");
        }
        x.append("</domain>\n");
        return x.toString();
    }

    /** A qcow2 volume: an overlay on {@code backing} (explicit format) or, with null, an empty one to upload into. */
    static String volume(String name, long capacity, String backing, String backingFormat) {
        StringBuilder x = new StringBuilder("<volume>\n  <name>").append(esc(name)).append("</name>\n");
        x.append("  <capacity unit='bytes'>").append(capacity).append("</capacity>\n");
        x.append("  <target>\n    <format type='qcow2'/>\n    <compat>1.1</compat>\n  </target>\n");
        if (backing != null) {
            x.append("  <backingStore>\n    <path>").append(esc(backing)).append("</path>\n    <format type='")
                    .append(esc(backingFormat)).append("'/>\n  </backingStore>\n");
        }
        return x.append("</volume>\n").toString();
    }

    private static String cpu(String model) {
        if (model == null) return "";
        return switch (model) {
            case "max" -> "  <cpu mode='maximum' check='none'/>\n";
            case "host" -> "  <cpu mode='host-passthrough' check='none'/>\n";
            default -> "  <cpu mode='custom' match='exact' check='none'>\n    <model fallback='forbid'>" + esc(model) + "</model>\n  </cpu>\n";
        };
    }

    private static String diskBus(List<String> devices) {
        String bus = devices.stream().filter(d -> d.startsWith("disk:")).map(d -> d.substring(5)).findFirst().orElse("virtio");
        if (!List.of("virtio", "sata", "ide").contains(bus)) {
            throw new UserError("the template's disk is on a '" + bus + "' bus, which the libvirt target does not make (virtio, sata, ide)");
        }
        return bus;
    }

    private static String diskDev(String bus) {
        return switch (bus) {
            case "virtio" -> "vda";
            case "sata" -> "sda";
            default -> "hda";
        };
    }

    private static String nicModel(String model) {
        String m = NIC_MODELS.get(model == null ? "virtio-net-pci" : model);
        if (m == null) throw new UserError("the template's NIC model '" + model + "' has no libvirt model here (" + String.join(", ", NIC_MODELS.keySet()) + ")");
        return m;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
