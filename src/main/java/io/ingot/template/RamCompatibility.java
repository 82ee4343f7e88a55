package io.ingot.template;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What a RAM template's device state is only valid for: the same QEMU version, machine type, CPU
 * model, RAM size and device list. {@link #key()} hashes them for the manifest; {@link #differences}
 * says in words what a start would change, so a refusal can name it.
 */
public record RamCompatibility(String qemuVersion, String machineType, String cpuModel, int memoryMiB,
                               List<String> devices) {
    public RamCompatibility {
        devices = devices == null ? List.of() : List.copyOf(devices);
    }

    /**
     * The devices a RAM template VM has, from the template's device list: its disks, the seed drive every
     * clone gets, and vmgenid, but no NIC (clones hot-plug their own after the restore, with their own MAC).
     */
    public static List<String> ramDevices(List<String> templateDevices) {
        List<String> d = new ArrayList<>();
        for (String dev : templateDevices) if (!dev.startsWith("nic:")) d.add(dev);
        d.add("seed:virtio");
        d.add("vmgenid");
        return d;
    }

    public String key() {
        String canonical = String.join("\n", "qemu=" + qemuVersion, "machine=" + machineType, "cpu=" + cpuModel,
                "memoryMiB=" + memoryMiB, "devices=" + String.join(",", devices));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each way {@code wanted} differs from this (the captured template), e.g. "RAM size 256 MiB, asked 512 MiB". */
    public List<String> differences(RamCompatibility wanted) {
        List<String> d = new ArrayList<>();
        if (!Objects.equals(qemuVersion, wanted.qemuVersion)) d.add("QEMU version " + qemuVersion + ", this host has " + wanted.qemuVersion);
        if (!Objects.equals(machineType, wanted.machineType)) d.add("machine type " + machineType + ", asked " + wanted.machineType);
        if (!Objects.equals(cpuModel, wanted.cpuModel)) d.add("CPU model " + cpuModel + ", asked " + wanted.cpuModel);
        if (memoryMiB != wanted.memoryMiB) d.add("RAM size " + memoryMiB + " MiB, asked " + wanted.memoryMiB + " MiB");
        if (!devices.equals(wanted.devices)) d.add("devices " + devices + ", asked " + wanted.devices);
        return d;
    }
}
