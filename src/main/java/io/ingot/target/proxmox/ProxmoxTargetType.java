package io.ingot.target.proxmox;

import io.ingot.qemu.QemuImg;
import io.ingot.storage.DirStorage;
import io.ingot.storage.RbdStorage;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.StorageConfig;
import io.ingot.target.Target;
import io.ingot.target.TargetFeature;
import io.ingot.target.TargetFeatures;
import io.ingot.target.TargetType;
import io.ingot.target.TargetUri;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;

import java.nio.file.Path;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The Proxmox target: {@code proxmox:STORAGE?vmid=N[&config=PATH&name=NAME&bridge=vmbr0&storage-id=ID&node=NODE]},
 * where STORAGE is an ingot storage (storage.yaml) that a Proxmox cluster shares as a directory or rbd storage. The
 * template becomes Proxmox's template VM N there: its base disk under Proxmox's name and the VM config {@code qm} reads. It takes
 * full copies and UEFI templates; linked clones are Proxmox's to make from the base (qm clone), and a RAM template has
 * no place in a Proxmox template.
 */
public final class ProxmoxTargetType implements TargetType {
    static final TargetFeatures FEATURES = TargetFeatures.of(TargetFeature.FULL, TargetFeature.UEFI);
    /** pve-storage's storage ID (PVE::JSONSchema parse_storage_id). */
    static final Pattern STORAGE_ID = Pattern.compile("[a-z][a-z0-9\\-_.]*[a-z0-9]", Pattern.CASE_INSENSITIVE);
    /** qemu-server's VM name format (dns-name). */
    static final Pattern DNS_NAME = Pattern.compile("(?:[a-zA-Z0-9](?:[a-zA-Z0-9\\-]*[a-zA-Z0-9])?\\.)*[a-zA-Z0-9](?:[a-zA-Z0-9\\-]*[a-zA-Z0-9])?");
    private static final Pattern NODE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-]*[a-zA-Z0-9])?");
    private static final Pattern BRIDGE = Pattern.compile("[A-Za-z0-9_.\\-]{1,15}");

    private final Supplier<Path> images;

    /** The images directory of the environment ({@code INGOT_IMAGES}), where storage.yaml names the storages. */
    public ProxmoxTargetType() { this(() -> IngotPaths.fromEnvironment().images()); }

    public ProxmoxTargetType(Supplier<Path> images) { this.images = images; }

    @Override public String name() { return "proxmox"; }

    @Override public boolean handles(String scheme) { return scheme.equals("proxmox"); }

    @Override public String example() { return "proxmox:STORAGE?vmid=N"; }

    @Override public TargetFeatures features() { return FEATURES; }

    @Override
    public Target open(TargetUri uri) {
        uri.allowOnly(Set.of("vmid", "config", "name", "bridge", "storage-id", "node"));
        String storage = uri.rest();
        String at = "target '" + uri.text() + "': ";
        if (storage.isEmpty() || storage.contains("/")) throw new UserError(at + "expected proxmox:STORAGE?vmid=N, STORAGE an ingot storage (storage.yaml)");
        String id = uri.get("storage-id", storage);
        if (!STORAGE_ID.matcher(id).matches()) {
            throw new UserError(at + "'" + id + "' is not a Proxmox storage ID (letters, digits, '-', '_', '.'; give storage-id=ID)");
        }
        String vmidText = uri.get("vmid", null);
        if (vmidText == null) throw new UserError(at + "vmid=N is missing (Proxmox's VM ID of the template, 100 or more)");
        int vmid;
        try {
            vmid = Integer.parseInt(vmidText);
        } catch (NumberFormatException e) {
            throw new UserError(at + "vmid is a number, not '" + vmidText + "'");
        }
        // Proxmox keeps VMIDs below 100 for itself; 999999999 is its largest
        if (vmid < 100 || vmid > 999_999_999) throw new UserError(at + "vmid is 100 to 999999999 (below 100 is Proxmox's own), not " + vmid);
        String name = uri.get("name", null);
        if (name != null && !DNS_NAME.matcher(name).matches()) {
            throw new UserError(at + "name is a DNS name for Proxmox (letters, digits, '-', '.'), not '" + name + "'");
        }
        String node = uri.get("node", null);
        if (node != null && !NODE.matcher(node).matches()) throw new UserError(at + "'" + node + "' is not a Proxmox node name");
        String bridge = uri.get("bridge", "vmbr0");
        if (!BRIDGE.matcher(bridge).matches()) throw new UserError(at + "'" + bridge + "' is not a bridge name");
        StorageBackend backend = StorageConfig.load(images.get()).open(storage, new QemuImg());
        String config = uri.get("config", null);
        Path conf = config == null ? null : Path.of(config).toAbsolutePath().normalize();
        if (backend instanceof DirStorage dir) {
            ProxmoxVolumes volumes = new ProxmoxVolumes(id, vmid, true);
            return new ProxmoxTarget(this, storage, new ProxmoxDirDisks(storage, volumes, dir.root()),
                    conf != null ? conf : dir.root().resolve(vmid + ".conf"), false, name, bridge, node);
        }
        if (backend instanceof RbdStorage rbd) {
            ProxmoxVolumes volumes = new ProxmoxVolumes(id, vmid, false);
            return new ProxmoxTarget(this, storage, new ProxmoxRbdDisks(storage, volumes, rbd),
                    conf != null ? conf : rbd.local().resolve(vmid + ".conf"), conf == null, name, bridge, node);
        }
        throw new UserError(at + "storage '" + storage + "' is " + backend.type() + "; Proxmox templates are made on a dir or rbd storage"
                + " the cluster shares");
    }
}
