package io.ingot.images;

import io.ingot.network.NicRequest;

import java.nio.file.Path;
import java.util.List;

/**
 * What a clone may be given apart from its template at clone time, as Proxmox's clone and cloud-init settings
 * allow: CPUs, memory, a larger disk (the guest grows its root file system at boot), a host name other than the
 * clone's name, the owner's cloud-config, merged into the seed, and its NICs ({@code --net}; none: one on QEMU's user
 * network). Null: as the template has it.
 */
public record CloneSettings(Integer cpus, Integer memoryMiB, Long diskBytes, String hostname, Path userData, List<NicRequest> nets) {
    public static final CloneSettings NONE = new CloneSettings(null, null, null, null, null, List.of());

    public CloneSettings {
        nets = nets == null ? List.of() : List.copyOf(nets);
    }

    public CloneSettings(Integer cpus, Integer memoryMiB, Long diskBytes, String hostname, Path userData) {
        this(cpus, memoryMiB, diskBytes, hostname, userData, List.of());
    }

    public CloneSettings withCpus(Integer n) { return new CloneSettings(n, memoryMiB, diskBytes, hostname, userData, nets); }
    public CloneSettings withMemoryMiB(Integer m) { return new CloneSettings(cpus, m, diskBytes, hostname, userData, nets); }
    public CloneSettings withDiskBytes(Long b) { return new CloneSettings(cpus, memoryMiB, b, hostname, userData, nets); }
    public CloneSettings withHostname(String h) { return new CloneSettings(cpus, memoryMiB, diskBytes, h, userData, nets); }
    public CloneSettings withUserData(Path f) { return new CloneSettings(cpus, memoryMiB, diskBytes, hostname, f, nets); }
    public CloneSettings withNets(List<NicRequest> n) { return new CloneSettings(cpus, memoryMiB, diskBytes, hostname, userData, n); }
}
