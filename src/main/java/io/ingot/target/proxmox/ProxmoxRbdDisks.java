package io.ingot.target.proxmox;

import io.ingot.qemu.QemuImg;
import io.ingot.storage.RbdStorage;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * An rbd storage's pool as Proxmox's RBDPlugin keeps a template: raw images {@code base-VMID-disk-N}, each with the
 * protected snapshot {@code __base__} that {@code qm clone} makes linked clones from (create_base renames
 * vm-VMID-disk-N and snapshots it; here the disk is written under a temporary name, snapshotted, then renamed, so the
 * name exists only whole), and the cloud-init image {@code vm-VMID-cloudinit}. A failure removes the images it made.
 */
final class ProxmoxRbdDisks implements ProxmoxDisks {
    private static final Logger LOG = LoggerFactory.getLogger(ProxmoxRbdDisks.class);

    private final String storage;
    private final ProxmoxVolumes volumes;
    private final RbdStorage rbd;
    private final QemuImg img = new QemuImg();
    private final List<String> made = new ArrayList<>();

    ProxmoxRbdDisks(String storage, ProxmoxVolumes volumes, RbdStorage rbd) {
        this.storage = storage;
        this.volumes = volumes;
        this.rbd = rbd;
    }

    @Override public ProxmoxVolumes volumes() { return volumes; }

    /** pve-storage counts an image as VM N's when its name is {@code vm-N-...} or {@code base-N-...} (RBDPlugin parse_volname). */
    static boolean ownedBy(String image, int vmid) {
        return Pattern.compile("(?:vm|base)-" + vmid + "-\\S+").matcher(image).matches();
    }

    /** Also the first contact with the cluster: one that cannot be reached is said here, in one line, before anything is made. */
    @Override
    public void requireFree() {
        List<String> images;
        try {
            images = rbd.images();
        } catch (IOException e) {
            String[] lines = String.valueOf(e.getMessage()).strip().split("\\R");
            throw new UserError("cannot list pool '" + rbd.cluster().pool() + "' of storage '" + storage + "': " + lines[lines.length - 1].strip());
        }
        for (String image : images) {
            if (ownedBy(image, volumes.vmid())) {
                throw new UserError("storage '" + storage + "' has " + rbd.cluster().pool() + "/" + image + " already: VM "
                        + volumes.vmid() + " is taken there; pick another vmid");
            }
        }
    }

    @Override
    public String writeBase(int n, Path source, String format, Consumer<String> progress) throws IOException {
        String image = volumes.disk(n);
        // tmp-base-...-PID: what RbdStorage's recovery step removes once the PID is gone
        String tmp = "tmp-" + image + "-" + ProcessHandle.current().pid();
        String spec = rbd.cluster().pool() + "/" + image;
        progress.accept("writing base disk " + n + " to " + spec + " (raw)");
        made.add(tmp);
        img.convert(source.toString(), format, rbd.cluster().uri(tmp), "raw", false);
        rbd.protectedSnapshot(tmp, ProxmoxVolumes.RBD_BASE_SNAPSHOT);
        try {
            rbd.rename(tmp, image);
        } catch (IOException e) {
            if (rbd.exists(image)) throw new UserError("storage '" + storage + "' has " + spec + " now: VM " + volumes.vmid() + " was taken meanwhile");
            throw e;
        }
        made.set(made.size() - 1, image);
        return spec + "@" + ProxmoxVolumes.RBD_BASE_SNAPSHOT;
    }

    @Override
    public void createCloudinit() throws IOException {
        String image = volumes.cloudinit();
        rbd.createImage(image, ProxmoxTarget.CLOUDINIT_SIZE);
        made.add(image);
    }

    @Override
    public void removeMade() {
        for (int i = made.size() - 1; i >= 0; i--) {
            String image = made.get(i);
            try {
                rbd.removeImage(image);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot remove {}/{} (made by the failed push): {}", rbd.cluster().pool(), image, e.getMessage());
            }
        }
    }
}
