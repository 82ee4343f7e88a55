package io.ingot.vm;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.ingot.template.KeptNic;
import io.ingot.template.RamCompatibility;
import io.ingot.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

/**
 * A clone's VM, written as {@code vm.json} in its directory; {@code ingot start} reads it.
 * Paths are absolute. Identity (MACs, SMBIOS UUID, vmgenid) is new for every clone.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VmConfig(String name, String template, String kind, String storage, Instant created,
                       DiskRef disk, String seed, Machine machine, List<NicConfig> nics,
                       String smbiosUuid, String vmgenid, String instanceId, Ram ram) {

    public VmConfig(String name, String template, String kind, String storage, Instant created, DiskRef disk,
                    String seed, Machine machine, List<NicConfig> nics, String smbiosUuid, String vmgenid,
                    String instanceId) {
        this(name, template, kind, storage, created, disk, seed, machine, nics, smbiosUuid, vmgenid, instanceId, null);
    }

    /**
     * A memory clone's RAM template (absolute paths): it resumes from these instead of booting.
     * {@code onRestore} runs in the guest after the restore; {@code nicModel} is hot-plugged with the clone's MAC;
     * {@code restoreScriptSize}: see {@code Manifest.Ram}, null when the template has no fw_cfg entry for it;
     * {@code keptNic}: the capture VM's NIC the template kept, which the clone's first NIC (on the user network) is
     * (null: the template has none, each NIC is plugged in).
     */
    public record Ram(String memoryFile, String stateFile, RamCompatibility compatibility,
                      String nicModel, List<String> onRestore, Integer restoreScriptSize, KeptNic keptNic) {
        public Ram(String memoryFile, String stateFile, RamCompatibility compatibility,
                   String nicModel, List<String> onRestore, Integer restoreScriptSize) {
            this(memoryFile, stateFile, compatibility, nicModel, onRestore, restoreScriptSize, null);
        }
    }

    public boolean isMemoryClone() { return ram != null; }

    public VmConfig withVmgenid(String guid) {
        return new VmConfig(name, template, kind, storage, created, disk, seed, machine, nics, smbiosUuid, guid, instanceId, ram);
    }

    /** The same VM under another name (what onRestore takes the clone's host name from). */
    public VmConfig withName(String other) {
        return new VmConfig(other, template, kind, storage, created, disk, seed, machine, nics, smbiosUuid, vmgenid, instanceId, ram);
    }

    /** The same VM with other NICs (a warm pool process is resumed without its NIC, plugged in after onRestore). */
    public VmConfig withNics(List<NicConfig> others) {
        return new VmConfig(name, template, kind, storage, created, disk, seed, machine, others, smbiosUuid, vmgenid, instanceId, ram);
    }

    public static final String FILE_NAME = "vm.json";

    /** The clone's disk; {@code backing} is the base image for a linked clone (null otherwise). */
    public record DiskRef(String path, String format, String backing) { }

    public record Machine(String type, String cpu, Integer cpus, Integer memoryMiB, List<String> devices) { }

    /**
     * A NIC: {@code network} null for QEMU's user network (with ingot's SSH forward), else a network of
     * networks.yaml joined through a tap; {@code address} its static address in CIDR form, or {@code dhcp}.
     */
    public record NicConfig(String model, String mac, String network, String address) {
        public NicConfig(String model, String mac) { this(model, mac, null, null); }

        public boolean onUserNetwork() { return network == null; }
    }

    /** The NIC on QEMU's user network, if the clone has one: ingot reaches the clone through its SSH forward. */
    public java.util.Optional<NicConfig> userNic() {
        return nics == null ? java.util.Optional.empty() : nics.stream().filter(NicConfig::onUserNetwork).findFirst();
    }

    public String toJson() {
        try {
            return Json.PRETTY.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static VmConfig fromJson(String json) throws IOException { return Json.MAPPER.readValue(json, VmConfig.class); }

    public static VmConfig read(Path file) throws IOException { return fromJson(Files.readString(file)); }

    /** Written under a temporary name and renamed: the catalog is rebuilt from vm.json files, never a torn one. */
    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, toJson() + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
