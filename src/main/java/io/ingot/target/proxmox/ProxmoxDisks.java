package io.ingot.target.proxmox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Where a template VM's volumes are made, as Proxmox names them on one kind of storage (a directory's qcow2 files,
 * or an rbd pool's raw images). A push makes them in order and, if it fails, removes what it made.
 */
interface ProxmoxDisks {
    ProxmoxVolumes volumes();

    /** Refuses, in one line, a VM ID whose volumes the storage has already; makes nothing. */
    void requireFree() throws IOException;

    /** Base disk {@code n} from a self-contained file, never written again; says where it went. */
    String writeBase(int n, Path source, String format, Consumer<String> progress) throws IOException;

    /** The empty cloud-init drive Proxmox fills for each clone. */
    void createCloudinit() throws IOException;

    /** Removes whatever this push made, as far as it can; problems are logged, not thrown (a failure is on its way). */
    void removeMade();
}
