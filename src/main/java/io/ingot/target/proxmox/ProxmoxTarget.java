package io.ingot.target.proxmox;

import io.ingot.catalog.DeliveryRecord;
import io.ingot.qemu.Ovmf;
import io.ingot.target.Handover;
import io.ingot.target.Target;
import io.ingot.target.TargetType;
import io.ingot.template.Devices;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Proxmox's template VM on a storage the cluster shares (see {@link ProxmoxDisks}): the base disk, read-only as
 * Proxmox's create_base leaves it, the cloud-init drive Proxmox regenerates for each clone, an EFI disk for a UEFI
 * template, and the VM config written where {@code config=} says (the storage's folder by default) for the user to put
 * at {@code /etc/pve/qemu-server/VMID.conf}. A failure removes what the push made.
 */
final class ProxmoxTarget implements Target {
    /** qemu-server's size of a new cloud-init drive (Cloudinit.pm CLOUDINIT_DISK_SIZE). */
    static final String CLOUDINIT_SIZE = "4M";

    private final TargetType type;
    private final String storage;
    private final ProxmoxDisks disks;
    private final Path config;
    private final boolean makeConfigFolder;
    private final String name;
    private final String bridge;
    private final String node;

    /** @param makeConfigFolder the config goes to the storage's own folder, made where it is missing */
    ProxmoxTarget(TargetType type, String storage, ProxmoxDisks disks, Path config, boolean makeConfigFolder, String name, String bridge,
                  String node) {
        this.type = type;
        this.storage = storage;
        this.disks = disks;
        this.config = config;
        this.makeConfigFolder = makeConfigFolder;
        this.name = name;
        this.bridge = bridge;
        this.node = node;
    }

    @Override public TargetType type() { return type; }

    /** The storage: the VM ID is the reference. */
    @Override public String location() { return "proxmox:" + storage; }

    @Override public Optional<String> requestedName() { return Optional.ofNullable(name); }

    @Override
    public Delivered deliver(Handover h, Consumer<String> progress) throws IOException {
        ProxmoxVolumes volumes = disks.volumes();
        int vmid = volumes.vmid();
        if (!ProxmoxTargetType.DNS_NAME.matcher(h.name()).matches()) {
            throw new UserError("Proxmox takes DNS names for VMs, not '" + h.name() + "': give name=NAME");
        }
        disks.requireFree();
        if (Files.exists(config)) throw new UserError(config + " exists already: pick another vmid or config=PATH");
        if (!makeConfigFolder && !Files.isDirectory(config.getParent())) throw new UserError("folder " + config.getParent() + " (of the config) does not exist");
        boolean uefi = Devices.uefi(h.machine().devices());
        QemuServerConf.diskKey(h.machine().devices()); // a bus Proxmox has no drive for is refused before anything is made
        if (makeConfigFolder) Files.createDirectories(config.getParent());
        Path confTmp = config.resolveSibling("." + config.getFileName() + ".ingot-" + ProcessHandle.current().pid());
        boolean done = false;
        try {
            String disk = disks.writeBase(0, h.fullDisk(), h.fullFormat(), progress);
            disks.createCloudinit();
            long efiSize = 0;
            if (uefi) {
                Path scratch = Files.createTempDirectory("ingot-efi-");
                try {
                    Path vars = Ovmf.varsIn(scratch);
                    efiSize = Files.size(vars);
                    disks.writeBase(1, vars, "raw", progress);
                } finally {
                    Trees.deleteQuietly(scratch);
                }
            }
            String what = h.cloneName() != null ? "clone " + h.cloneName() + " of " + h.version().ref() : h.version().ref();
            Files.writeString(confTmp, QemuServerConf.of(new QemuServerConf.Spec(h.name(), "ingot push of " + what, h.machine(), volumes,
                    h.virtualSize(), efiSize, h.nic(), bridge, h.smbiosUuid(), h.vmgenid())));
            Files.move(confTmp, config, StandardCopyOption.ATOMIC_MOVE);
            progress.accept("wrote " + config + " (put it at /etc/pve/" + (node == null ? "" : "nodes/" + node + "/") + "qemu-server/" + vmid + ".conf)");
            done = true;
            return new Delivered(Integer.toString(vmid), "full copy " + h.name() + " of " + what + ": Proxmox template VM " + vmid
                    + ", disk " + volumes.diskVolid(0) + " (" + disk + "), config " + config);
        } finally {
            if (!done) {
                disks.removeMade();
                Files.deleteIfExists(confTmp);
            }
        }
    }

    /** A Proxmox template holds a copy: nothing of the version is read there. */
    @Override
    public Presence presence(DeliveryRecord d, Path baseImage) {
        return Presence.gone("a Proxmox template is a full copy");
    }
}
