package io.ingot.target.proxmox;

import io.ingot.qemu.QemuImg;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;

/**
 * A directory storage: {@code ROOT/images/VMID/} with qcow2 files, the base disks read-only (create_base: chmod 0444).
 * The folder is new; a failure removes it (and Proxmox's images folder where this push made that too).
 */
final class ProxmoxDirDisks implements ProxmoxDisks {
    private final String storage;
    private final ProxmoxVolumes volumes;
    private final Path images;
    private final QemuImg img = new QemuImg();
    private Path made;

    ProxmoxDirDisks(String storage, ProxmoxVolumes volumes, Path root) {
        this.storage = storage;
        this.volumes = volumes;
        this.images = volumes.imagesDir(root);
    }

    @Override public ProxmoxVolumes volumes() { return volumes; }

    @Override
    public void requireFree() {
        if (Files.exists(images)) {
            throw new UserError("storage '" + storage + "' has " + images + " already: VM " + volumes.vmid() + " is taken there; pick another vmid");
        }
    }

    private void claim() throws IOException {
        if (made != null) return;
        made = Files.isDirectory(images.getParent()) ? images : images.getParent();
        Files.createDirectories(images.getParent());
        Files.createDirectory(images);
    }

    @Override
    public String writeBase(int n, Path source, String format, Consumer<String> progress) throws IOException {
        claim();
        Path disk = images.resolve(volumes.disk(n));
        progress.accept("copying base disk " + n + " to " + disk);
        Path tmp = images.resolve("." + volumes.disk(n) + ".tmp");
        if (format.equals("qcow2")) Files.copy(source, tmp);
        else img.convert(source, format, tmp, "qcow2", false);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
        Files.move(tmp, disk, StandardCopyOption.ATOMIC_MOVE);
        return disk.toString();
    }

    @Override
    public void createCloudinit() throws IOException {
        claim();
        img.create(images.resolve(volumes.cloudinit()), "qcow2", ProxmoxTarget.CLOUDINIT_SIZE);
    }

    @Override
    public void removeMade() {
        if (made != null) Trees.deleteQuietly(made);
    }
}
