package io.ingot.template;

import java.util.List;

/**
 * The entries of a template's device list (manifest {@code devices}, copied into each clone's vm.json)
 * that change how its clones are started: the firmware, the guest agent channel and the NIC model. A template made
 * with UEFI must boot UEFI in every clone (and the verify clone), as Proxmox keeps a VM's BIOS setting.
 */
public final class Devices {
    public static final String UEFI = "firmware:uefi";
    public static final String AGENT = "agent:virtio-serial";

    /** The NIC models a template's device list may name ({@code nic:MODEL}, or the model alone in older manifests). */
    private static final List<String> NIC_MODELS = List.of("virtio-net-pci", "e1000", "e1000e", "rtl8139", "vmxnet3");

    private Devices() { }

    /** The model of the template's NIC, which its clones get too; virtio-net-pci when the list names none. */
    public static String nicModel(List<String> devices) {
        return devices == null ? "virtio-net-pci" : devices.stream().map(d -> d.startsWith("nic:") ? d.substring(4) : d)
                .filter(NIC_MODELS::contains).findFirst().orElse("virtio-net-pci");
    }

    public static boolean uefi(List<String> devices) {
        return devices != null && devices.contains(UEFI);
    }

    public static boolean agent(List<String> devices) {
        return devices != null && devices.contains(AGENT);
    }
}
