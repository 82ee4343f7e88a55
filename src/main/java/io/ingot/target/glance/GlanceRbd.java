package io.ingot.target.glance;

import io.ingot.storage.RbdStorage;
import io.ingot.util.Command;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Glance's own rbd layout in the Ceph cluster of an ingot rbd storage: the raw image as {@code POOL/IMAGE_ID} with a
 * protected snapshot {@code snap}, which Glance's location {@code rbd://FSID/POOL/IMAGE_ID/snap} names and Nova and
 * Cinder clone copy-on-write. Written with {@code rbd} as the storage's cephx user.
 */
final class GlanceRbd {
    static final String SNAPSHOT = "snap";
    private static final Duration TIMEOUT = Duration.ofHours(6);

    private final String storage;
    private final RbdStorage.Cluster cluster;

    /** {@code cluster}: the storage's connection with Glance's pool. */
    GlanceRbd(String storage, RbdStorage.Cluster cluster) {
        this.storage = storage;
        this.cluster = cluster;
    }

    String pool() { return cluster.pool(); }

    /** The cluster's fsid, the host part of Glance's rbd URLs. */
    String fsid() throws IOException {
        List<String> argv = new ArrayList<>(List.of("ceph", "-c", cluster.conf().toString(), "--id", cluster.client()));
        if (cluster.keyring() != null) argv.addAll(List.of("--keyring", cluster.keyring().toString()));
        argv.addAll(List.of("--connect-timeout", "20", "fsid"));
        return run("cannot read the fsid of storage '" + storage + "''s Ceph cluster", argv).strip();
    }

    /** {@code raw} as POOL/ID (format 2, as Glance makes them), then its protected snapshot. */
    void write(String id, Path raw) throws IOException {
        run("cannot write image " + id + " into pool '" + pool() + "' of storage '" + storage + "'",
                cluster.rbd("import", "--no-progress", "--image-format", "2", raw.toString(), pool() + "/" + id));
        run("cannot snapshot " + pool() + "/" + id, cluster.rbd("snap", "create", pool() + "/" + id + "@" + SNAPSHOT));
        run("cannot protect " + pool() + "/" + id + "@" + SNAPSHOT, cluster.rbd("snap", "protect", pool() + "/" + id + "@" + SNAPSHOT));
    }

    /** Removes what {@link #write} made, as far as it got; what it cannot remove is said, not thrown. */
    List<String> remove(String id) throws IOException {
        List<String> problems = new ArrayList<>();
        String image = pool() + "/" + id;
        Command.exec(cluster.rbd("snap", "unprotect", image + "@" + SNAPSHOT), TIMEOUT);
        Command.exec(cluster.rbd("snap", "purge", "--no-progress", image), TIMEOUT);
        Command.Result rm = Command.exec(cluster.rbd("rm", "--no-progress", image), TIMEOUT);
        if (!rm.ok() && !rm.stderr().contains("No such file")) problems.add("rbd rm " + image + ": " + oneLine(rm.stderr()));
        return problems;
    }

    static String location(String fsid, String pool, String id) {
        return "rbd://" + fsid + "/" + pool + "/" + id + "/" + SNAPSHOT;
    }

    private static String run(String what, List<String> argv) throws IOException {
        Command.Result r = Command.exec(argv, TIMEOUT);
        if (!r.ok()) throw new UserError(what + ": " + oneLine(r.stderr()));
        return r.stdout();
    }

    private static String oneLine(String s) {
        String[] lines = s.strip().split("\\R");
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
    }
}
