package io.ingot.template;

import java.util.List;

/**
 * The entries of a template's device list (manifest {@code devices}, copied into each clone's vm.json)
 * that change how its clones are started: the firmware and the guest agent channel. A template made
 * with UEFI must boot UEFI in every clone (and the verify clone), as Proxmox keeps a VM's BIOS setting.
 */
public final class Devices {
    public static final String UEFI = "firmware:uefi";
    public static final String AGENT = "agent:virtio-serial";

    private Devices() { }

    public static boolean uefi(List<String> devices) {
        return devices != null && devices.contains(UEFI);
    }

    public static boolean agent(List<String> devices) {
        return devices != null && devices.contains(AGENT);
    }
}
