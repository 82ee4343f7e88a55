package io.ingot.it;

import io.ingot.storage.RbdStorage;
import io.ingot.util.Command;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A one-node Ceph cluster (one mon, one bluestore OSD on a sparse 4 GiB file, cephx, pool {@code rbd} of
 * size 1, user {@code client.ingot}) under target/ceph-cluster, started once per test JVM by
 * src/test/resources/ceph/start-cluster.sh and stopped by its daemons' PIDs in a shutdown hook.
 * Tests that need it are skipped, with the reason, when the Ceph packages are not installed.
 */
public final class CephCluster {
    public static final List<String> TOOLS = List.of("ceph-mon", "ceph-osd", "ceph", "rbd", "monmaptool", "ceph-authtool");
    private static CephCluster shared;

    private final Path dir;

    private CephCluster(Path dir) { this.dir = dir; }

    /** The run's cluster, started on first use; skips the calling test when Ceph is not installed. */
    public static synchronized CephCluster shared() throws Exception {
        List<String> missing = TOOLS.stream().filter(t -> !onPath(t)).toList();
        Assumptions.assumeTrue(missing.isEmpty(), () -> "Ceph is not installed (missing " + String.join(", ", missing)
                + "; apt-get install ceph-mon ceph-osd ceph-common qemu-block-extra): skipping the Ceph tests");
        if (shared == null) {
            Path dir = TestImages.home().resolve("target/ceph-cluster");
            CephCluster c = new CephCluster(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(c::stop));
            Path script = TestImages.home().resolve("src/test/resources/ceph/start-cluster.sh");
            long t0 = System.nanoTime();
            Command.Result r = Command.exec(List.of("bash", script.toString(), dir.toString(), Integer.toString(freePort())),
                    Duration.ofMinutes(3));
            if (!r.ok()) {
                c.stop();
                throw new IllegalStateException("the test Ceph cluster did not start (" + dir + "/log): " + r.output());
            }
            System.out.printf("test Ceph cluster up in %.1f s at %s%n", (System.nanoTime() - t0) / 1e9, dir);
            shared = c;
        }
        return shared;
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public Path dir() { return dir; }
    public Path conf() { return dir.resolve("ceph.conf"); }
    public Path keyring() { return dir.resolve("ceph.client.ingot.keyring"); }

    /** How ingot reaches it: pool rbd as the cephx user client.ingot. */
    public RbdStorage.Cluster client() { return new RbdStorage.Cluster("rbd", conf(), "ingot", keyring()); }

    /** A storage.yaml entry for it. */
    public String storageYaml(String name) {
        return "  " + name + ":\n    type: rbd\n    pool: rbd\n    conf: " + conf() + "\n    client: ingot\n    keyring: " + keyring() + "\n";
    }

    /** Runs {@code rbd} as client.ingot; stdout. */
    public String rbd(String... args) throws IOException {
        return Command.run(client().rbd(args), Duration.ofMinutes(5));
    }

    /** Stops the daemons this run started, by the PIDs in their pid files: TERM, then KILL after 10 s. */
    private void stop() {
        List<ProcessHandle> daemons = new ArrayList<>();
        try (Stream<Path> pids = Files.isDirectory(dir.resolve("run")) ? Files.list(dir.resolve("run")) : Stream.empty()) {
            for (Path p : pids.filter(f -> f.toString().endsWith(".pid")).toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(p).strip())).ifPresent(daemons::add);
            }
        } catch (IOException | NumberFormatException e) {
            System.err.println("cannot read the test Ceph cluster's pid files: " + e.getMessage());
        }
        daemons.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (ProcessHandle h : daemons) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (h.isAlive()) h.destroyForcibly();
        }
    }
}
