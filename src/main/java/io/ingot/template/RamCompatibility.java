package io.ingot.template;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What a RAM template's device state is only valid for: the same QEMU version, machine type, CPU
 * model, RAM size and device list, the same accelerator, and, while the CPU model passes the host's CPU
 * through ({@code max}, {@code host}), the same host CPU flags. {@link #key()} hashes them for the manifest;
 * {@link #differences} says in words what a start would change, so a refusal can name it.
 *
 * @param accelerator the accelerator the template VM ran under ({@code tcg}, {@code kvm}); null in manifests
 *                    written before it was recorded
 * @param cpuFlags    the host's CPU flags for {@code max}/{@code host} models (sorted), else empty
 */
public record RamCompatibility(String qemuVersion, String machineType, String cpuModel, int memoryMiB,
                               List<String> devices, String accelerator, List<String> cpuFlags) {
    /** Differences listed by name, at most this many of each kind. */
    private static final int NAMED = 8;

    public RamCompatibility {
        devices = devices == null ? List.of() : List.copyOf(devices);
        cpuFlags = cpuFlags == null ? List.of() : List.copyOf(new TreeSet<>(cpuFlags));
    }

    /** A key without accelerator and host CPU, as manifests before they were recorded had. */
    public RamCompatibility(String qemuVersion, String machineType, String cpuModel, int memoryMiB, List<String> devices) {
        this(qemuVersion, machineType, cpuModel, memoryMiB, devices, null, List.of());
    }

    /** The key for a VM with this CPU model under {@code accelerator} on a host with {@code hostFlags} (kept only where they count). */
    public static RamCompatibility of(String qemuVersion, String machineType, String cpuModel, int memoryMiB,
                                      List<String> devices, String accelerator, List<String> hostFlags) {
        return new RamCompatibility(qemuVersion, machineType, cpuModel, memoryMiB, devices, accelerator,
                followsHost(cpuModel) ? hostFlags : List.of());
    }

    /**
     * CPU models whose guest-visible features come from the host: {@code host}, and {@code max} under KVM. The
     * flags are recorded for both under any accelerator (a TCG capture must not resume under KVM on another CPU),
     * at the price of refusing a TCG capture moved to a host with other flags.
     */
    static boolean followsHost(String cpuModel) {
        if (cpuModel == null) return false;
        String base = cpuModel.split(",")[0].strip();
        return base.equals("max") || base.equals("host");
    }

    /**
     * The devices a RAM template VM has, from the template's device list: its disks, the seed drive every
     * clone gets, and vmgenid, but no NIC (clones hot-plug their own after the restore, with their own MAC).
     */
    public static List<String> ramDevices(List<String> templateDevices) {
        return ramDevices(templateDevices, false);
    }

    /**
     * As above; {@code keptNic}: the template kept its capture VM's NIC ({@link KeptNic}), listed as {@value #KEPT_NIC}, so
     * that an ingot that would not put it back refuses the RAM template in one line rather than failing to load it.
     */
    public static List<String> ramDevices(List<String> templateDevices, boolean keptNic) {
        List<String> d = new ArrayList<>();
        for (String dev : templateDevices) if (!dev.startsWith("nic:")) d.add(dev);
        d.add("seed:virtio");
        d.add("vmgenid");
        if (keptNic) d.add(KEPT_NIC);
        return d;
    }

    /** The device list's entry for a NIC kept in the device state. */
    public static final String KEPT_NIC = "nic:kept";

    public String key() {
        List<String> parts = new ArrayList<>(List.of("qemu=" + qemuVersion, "machine=" + machineType, "cpu=" + cpuModel,
                "memoryMiB=" + memoryMiB, "devices=" + String.join(",", devices)));
        // keys of manifests written before these two were recorded stay what they were
        if (accelerator != null) parts.add("accel=" + accelerator);
        if (!cpuFlags.isEmpty()) parts.add("cpuFlags=" + String.join(",", cpuFlags));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\n", parts).getBytes(StandardCharsets.UTF_8)));
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
        if (accelerator == null) {
            // Captured by an ingot that did not record the accelerator or the host CPU: refused rather than
            // guessed, as a state saved under TCG and loaded under KVM (or on a CPU lacking a feature the guest
            // already uses) crashes the guest instead of failing cleanly. A rebuild records both.
            d.add("an unknown accelerator and host CPU (the template was captured by an older ingot; rebuild it)");
            return d;
        }
        if (!accelerator.equals(wanted.accelerator)) d.add("accelerator " + accelerator + ", this start uses " + wanted.accelerator);
        if (!cpuFlags.equals(wanted.cpuFlags)) {
            List<String> missing = new ArrayList<>(cpuFlags);
            missing.removeAll(wanted.cpuFlags);
            List<String> extra = new ArrayList<>(wanted.cpuFlags);
            extra.removeAll(cpuFlags);
            StringBuilder sb = new StringBuilder("another host CPU (");
            if (!missing.isEmpty()) sb.append("this host lacks ").append(named(missing));
            if (!missing.isEmpty() && !extra.isEmpty()) sb.append("; ");
            if (!extra.isEmpty()) sb.append("this host adds ").append(named(extra));
            d.add(sb.append(")").toString());
        }
        return d;
    }

    private static String named(List<String> flags) {
        return String.join(" ", flags.subList(0, Math.min(NAMED, flags.size())))
                + (flags.size() > NAMED ? " and " + (flags.size() - NAMED) + " more flags" : "");
    }
}
