package io.ingot.target.proxmox;

import java.nio.file.Path;

/**
 * The names Proxmox gives a template's volumes on a storage, as pve-storage makes and parses them: disk N of VM
 * {@code vmid} is {@code vm-VMID-disk-N} until {@code qm template} renames it {@code base-VMID-disk-N} (create_base);
 * a directory storage keeps it as {@code images/VMID/base-VMID-disk-N.qcow2} (volume ID
 * {@code STORAGE:VMID/base-VMID-disk-N.qcow2}), an rbd storage as the image {@code base-VMID-disk-N} with a protected
 * snapshot {@code __base__} that linked clones are made from (volume ID {@code STORAGE:base-VMID-disk-N}). The
 * cloud-init drive keeps its {@code vm-VMID-cloudinit} name (Proxmox makes a new one for each clone).
 *
 * @param storageId the storage's ID in Proxmox's storage.cfg
 * @param dir       a directory storage (qcow2 files), else rbd (raw images)
 */
record ProxmoxVolumes(String storageId, int vmid, boolean dir) {
    /** The rbd snapshot Proxmox clones from (RBDPlugin's create_base and clone_image). */
    static final String RBD_BASE_SNAPSHOT = "__base__";

    /** The volume name of base disk {@code n} on the storage. */
    String disk(int n) {
        return "base-" + vmid + "-disk-" + n + (dir ? ".qcow2" : "");
    }

    String diskVolid(int n) {
        return volid(disk(n));
    }

    String cloudinit() {
        return "vm-" + vmid + "-cloudinit" + (dir ? ".qcow2" : "");
    }

    String cloudinitVolid() {
        return volid(cloudinit());
    }

    /** A directory storage's folder of this VM's images: {@code ROOT/images/VMID}. */
    Path imagesDir(Path root) {
        return root.resolve("images").resolve(Integer.toString(vmid));
    }

    private String volid(String name) {
        return storageId + ":" + (dir ? vmid + "/" : "") + name;
    }
}
