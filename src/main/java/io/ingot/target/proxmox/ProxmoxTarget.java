package io.ingot.target.proxmox;

import io.ingot.catalog.DeliveryRecord;
import io.ingot.qemu.Ovmf;
import io.ingot.qemu.QemuImg;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Proxmox's template VM on a directory storage the cluster shares: {@code images/VMID/} with the base disk (a copy of
 * the template's qcow2, read-only as Proxmox's create_base leaves it), the cloud-init drive Proxmox regenerates for each
 * clone, an EFI disk for a UEFI template, and the VM config written where {@code config=} says (the storage's folder by
 * default) for the user to put at {@code /etc/pve/qemu-server/VMID.conf}. The folder is new: a failure removes it.
 */
final class ProxmoxTarget implements Target {
    /** qemu-server's size of a new cloud-init drive (Cloudinit.pm CLOUDINIT_DISK_SIZE). */
    static final String CLOUDINIT_SIZE = "4M";

    private final TargetType type;
    private final String storage;
    private final ProxmoxVolumes volumes;
    private final Path root;
    private final Path config;
    private final String name;
    private final String bridge;
    private final String node;

    ProxmoxTarget(TargetType type, String storage, ProxmoxVolumes volumes, Path root, Path config, String name, String bridge, String node) {
        this.type = type;
        this.storage = storage;
        this.volumes = volumes;
        this.root = root;
        this.config = config;
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
        int vmid = volumes.vmid();
        if (!ProxmoxTargetType.DNS_NAME.matcher(h.name()).matches()) {
            throw new UserError("Proxmox takes DNS names for VMs, not '" + h.name() + "': give name=NAME");
        }
        Path images = volumes.imagesDir(root);
        if (Files.exists(images)) throw new UserError("storage '" + storage + "' has " + images + " already: VM " + vmid + " is taken there; pick another vmid");
        if (Files.exists(config)) throw new UserError(config + " exists already: pick another vmid or config=PATH");
        if (!Files.isDirectory(config.getParent())) throw new UserError("folder " + config.getParent() + " (of the config) does not exist");
        boolean uefi = Devices.uefi(h.machine().devices());
        QemuServerConf.diskKey(h.machine().devices()); // a bus Proxmox has no drive for is refused before anything is made
        QemuImg img = new QemuImg();
        Path confTmp = config.resolveSibling("." + config.getFileName() + ".ingot-" + ProcessHandle.current().pid());
        // Proxmox's images folder is made too where the storage has none yet, and goes again with a failure
        Path madeImages = Files.isDirectory(images.getParent()) ? null : Files.createDirectories(images.getParent());
        Files.createDirectory(images);
        boolean done = false;
        try {
            Path disk = images.resolve(volumes.disk(0));
            progress.accept("copying the base disk to " + disk);
            Path tmp = images.resolve("." + volumes.disk(0) + ".tmp");
            Files.copy(h.fullDisk(), tmp);
            readOnly(tmp);
            Files.move(tmp, disk, StandardCopyOption.ATOMIC_MOVE);
            img.create(images.resolve(volumes.cloudinit()), "qcow2", CLOUDINIT_SIZE);
            long efiSize = 0;
            if (uefi) {
                Path scratch = Files.createTempDirectory(images, ".efi-");
                Path efi = images.resolve(volumes.disk(1));
                img.convert(Ovmf.varsIn(scratch), "raw", efi, "qcow2", false);
                Trees.deleteQuietly(scratch);
                readOnly(efi);
                efiSize = img.info(efi, "qcow2").virtualSize();
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
                Trees.deleteQuietly(madeImages != null ? madeImages : images);
                Files.deleteIfExists(confTmp);
            }
        }
    }

    /** A Proxmox template's base is never written (create_base: chmod 0444). */
    private static void readOnly(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    }

    /** A Proxmox template holds a copy: nothing of the version is read there. */
    @Override
    public Presence presence(DeliveryRecord d, Path baseImage) {
        return Presence.gone("a Proxmox template is a full copy");
    }
}
