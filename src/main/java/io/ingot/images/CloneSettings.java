package io.ingot.images;

import java.nio.file.Path;

/**
 * What a clone may be given apart from its template at clone time, as Proxmox's clone and cloud-init settings
 * allow: CPUs, memory, a larger disk (the guest grows its root file system at boot), a host name other than the
 * clone's name, and the owner's cloud-config, merged into the seed. Null: as the template has it.
 */
public record CloneSettings(Integer cpus, Integer memoryMiB, Long diskBytes, String hostname, Path userData) {
    public static final CloneSettings NONE = new CloneSettings(null, null, null, null, null);

    public CloneSettings withCpus(Integer n) { return new CloneSettings(n, memoryMiB, diskBytes, hostname, userData); }
    public CloneSettings withMemoryMiB(Integer m) { return new CloneSettings(cpus, m, diskBytes, hostname, userData); }
    public CloneSettings withDiskBytes(Long b) { return new CloneSettings(cpus, memoryMiB, b, hostname, userData); }
    public CloneSettings withHostname(String h) { return new CloneSettings(cpus, memoryMiB, diskBytes, h, userData); }
    public CloneSettings withUserData(Path f) { return new CloneSettings(cpus, memoryMiB, diskBytes, hostname, f); }
}
