package io.ingot.target.ova;

import io.ingot.template.Devices;
import io.ingot.vm.VmConfig;

import java.util.List;
import java.util.Map;

/**
 * The OVF 1.x descriptor (DSP0243, namespace {@code envelope/1}, which virt-v2v, VMware and VirtualBox read) of one
 * machine with one disk: References, DiskSection (capacity and the stream-optimized VMDK format URL),
 * NetworkSection, and a VirtualSystem with its OperatingSystemSection and VirtualHardwareSection (the template's CPUs
 * and memory, a disk controller, the disk, a NIC, the firmware as VMware's {@code vmw:Config firmware}, the key
 * virt-v2v reads too). The CIM elements of each Item are in the schema's (alphabetical) order.
 */
final class OvfEnvelope {
    static final String VMDK_STREAM_OPTIMIZED = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";
    /** The logical network the NIC connects to: VMware's default name, which importers map to one of theirs. */
    static final String NETWORK = "VM Network";
    /** OVF has no virtio: the paravirtual NIC becomes VMware's (vmxnet3); others keep their model or become E1000. */
    private static final Map<String, String> NIC_SUBTYPES = Map.of("virtio-net-pci", "VmxNet3", "vmxnet3", "VmxNet3",
            "e1000", "E1000", "e1000e", "E1000e");

    /**
     * @param diskFile     the VMDK's name in the package; {@code diskFileSize} its size in bytes
     * @param capacity     the disk's virtual size in bytes
     * @param mac          the NIC's MAC, or null to let the importer pick one (a template imported many times)
     * @param annotation   a line for the user (what was pushed)
     */
    record Spec(String name, String annotation, VmConfig.Machine machine, String diskFile, long diskFileSize, long capacity,
                String nicModel, String mac) { }

    /** The disk controller the disk hangs on: CIM resource type and subtype, and the VMDK's adapter type to match. */
    record Controller(int resourceType, String subType, String description, String vmdkAdapter) {
        /**
         * SATA and IDE stay; a virtio disk (no OVF name) goes on an LSI Logic SCSI controller, the one every OVF
         * importer (VMware, VirtualBox, virt-v2v) knows and Linux drives without extra modules.
         */
        static Controller of(List<String> devices) {
            String bus = devices == null ? "virtio" : devices.stream().filter(d -> d.startsWith("disk:")).map(d -> d.substring(5))
                    .findFirst().orElse("virtio");
            return switch (bus) {
                case "sata" -> new Controller(20, "AHCI", "SATA Controller", "ide");
                case "ide" -> new Controller(5, "PIIX4", "IDE Controller", "ide");
                default -> new Controller(6, "lsilogic", "SCSI Controller", "lsilogic");
            };
        }
    }

    private OvfEnvelope() { }

    static String of(Spec s) {
        VmConfig.Machine m = s.machine();
        int cpus = m.cpus() == null ? 1 : m.cpus();
        int memory = m.memoryMiB() == null ? 512 : m.memoryMiB();
        Controller c = Controller.of(m.devices());
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<Envelope ovf:version=\"1.0\" xml:lang=\"en-US\" xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"")
                .append(" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\"")
                .append(" xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData\"")
                .append(" xmlns:vssd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData\"")
                .append(" xmlns:vmw=\"http://www.vmware.com/schema/ovf\"")
                .append(" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n");
        x.append("  <References>\n    <File ovf:href=\"").append(esc(s.diskFile())).append("\" ovf:id=\"file1\" ovf:size=\"")
                .append(s.diskFileSize()).append("\"/>\n  </References>\n");
        x.append("  <DiskSection>\n    <Info>Virtual disk information</Info>\n");
        x.append("    <Disk ovf:capacity=\"").append(s.capacity()).append("\" ovf:capacityAllocationUnits=\"byte\" ovf:diskId=\"vmdisk1\"")
                .append(" ovf:fileRef=\"file1\" ovf:format=\"").append(VMDK_STREAM_OPTIMIZED).append("\"/>\n  </DiskSection>\n");
        x.append("  <NetworkSection>\n    <Info>The logical networks used</Info>\n    <Network ovf:name=\"").append(NETWORK)
                .append("\">\n      <Description>The network the machine's NIC connects to</Description>\n    </Network>\n  </NetworkSection>\n");
        x.append("  <VirtualSystem ovf:id=\"").append(esc(s.name())).append("\">\n    <Info>A virtual machine</Info>\n");
        x.append("    <Name>").append(esc(s.name())).append("</Name>\n");
        x.append("    <AnnotationSection>\n      <Info>Where the machine comes from</Info>\n      <Annotation>")
                .append(esc(s.annotation())).append("</Annotation>\n    </AnnotationSection>\n");
        // ingot knows a Linux guest, not which distribution: CIM's 64-bit Linux (101), VMware's "other Linux 64-bit"
        x.append("    <OperatingSystemSection ovf:id=\"101\" vmw:osType=\"otherLinux64Guest\">\n")
                .append("      <Info>The kind of installed guest operating system</Info>\n")
                .append("      <Description>Linux (64-bit)</Description>\n    </OperatingSystemSection>\n");
        x.append("    <VirtualHardwareSection>\n      <Info>Virtual hardware requirements</Info>\n");
        x.append("      <System>\n        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>\n")
                .append("        <vssd:InstanceID>0</vssd:InstanceID>\n")
                .append("        <vssd:VirtualSystemIdentifier>").append(esc(s.name())).append("</vssd:VirtualSystemIdentifier>\n")
                .append("        <vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType>\n      </System>\n");
        item(x, List.of("rasd:AllocationUnits", "hertz * 10^6", "rasd:Description", "Number of virtual CPUs",
                "rasd:ElementName", cpus + " virtual CPU(s)", "rasd:InstanceID", "1", "rasd:ResourceType", "3",
                "rasd:VirtualQuantity", String.valueOf(cpus)));
        item(x, List.of("rasd:AllocationUnits", "byte * 2^20", "rasd:Description", "Memory size",
                "rasd:ElementName", memory + " MB of memory", "rasd:InstanceID", "2", "rasd:ResourceType", "4",
                "rasd:VirtualQuantity", String.valueOf(memory)));
        item(x, List.of("rasd:Address", "0", "rasd:Description", c.description(), "rasd:ElementName", c.description() + " 0",
                "rasd:InstanceID", "3", "rasd:ResourceSubType", c.subType(), "rasd:ResourceType", String.valueOf(c.resourceType())));
        item(x, List.of("rasd:AddressOnParent", "0", "rasd:ElementName", "Hard disk 1", "rasd:HostResource", "ovf:/disk/vmdisk1",
                "rasd:InstanceID", "4", "rasd:Parent", "3", "rasd:ResourceType", "17"));
        List<String> nic = new java.util.ArrayList<>();
        if (s.mac() != null) nic.addAll(List.of("rasd:Address", s.mac()));
        nic.addAll(List.of("rasd:AddressOnParent", "7", "rasd:AutomaticAllocation", "true", "rasd:Connection", NETWORK,
                "rasd:ElementName", "Network adapter 1", "rasd:InstanceID", "5",
                "rasd:ResourceSubType", NIC_SUBTYPES.getOrDefault(s.nicModel(), "E1000"), "rasd:ResourceType", "10"));
        item(x, nic);
        // required="false": an importer that knows no VMware extension may skip it (virt-v2v and VMware read it)
        x.append("      <vmw:Config ovf:required=\"false\" vmw:key=\"firmware\" vmw:value=\"")
                .append(Devices.uefi(m.devices()) ? "efi" : "bios").append("\"/>\n");
        x.append("    </VirtualHardwareSection>\n  </VirtualSystem>\n</Envelope>\n");
        return x.toString();
    }

    /** An Item of the hardware section from element-value pairs, given in the schema's order. */
    private static void item(StringBuilder x, List<String> pairs) {
        x.append("      <Item>\n");
        for (int i = 0; i < pairs.size(); i += 2) {
            x.append("        <").append(pairs.get(i)).append('>').append(esc(pairs.get(i + 1))).append("</").append(pairs.get(i)).append(">\n");
        }
        x.append("      </Item>\n");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&apos;");
    }
}
