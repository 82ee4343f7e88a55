package io.ingot.it;

import io.ingot.util.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * libvirt's system daemon for the tests: the one running already (qemu:///system answers), else virtlogd and
 * libvirtd started here on their default sockets (no systemd needed; Debian's package does not start them in a
 * container), stopped by their PIDs when the test is done. A system that has neither installed is skipped.
 */
final class LibvirtDaemon implements AutoCloseable {
    static final String URI = "qemu:///system";
    private final List<Process> started = new ArrayList<>();

    static boolean installed() {
        return Files.isExecutable(Path.of("/usr/sbin/libvirtd")) && Files.isExecutable(Path.of("/usr/bin/virsh"));
    }

    static LibvirtDaemon ensure(Path logDir) throws Exception {
        LibvirtDaemon d = new LibvirtDaemon();
        if (answers()) return d;
        Files.createDirectories(logDir);
        // QEMU's output goes through virtlogd (qemu.conf's default stdio_handler)
        d.start(List.of("/usr/sbin/virtlogd"), logDir.resolve("virtlogd.log"));
        d.start(List.of("/usr/sbin/libvirtd"), logDir.resolve("libvirtd.log"));
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!answers()) {
            if (System.nanoTime() > until) {
                d.close();
                throw new IllegalStateException("libvirtd started but " + URI + " does not answer; see " + logDir);
            }
            Thread.sleep(200);
        }
        return d;
    }

    private void start(List<String> argv, Path log) throws IOException {
        started.add(new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    /** The first folder above {@code p} that users other than root cannot enter (libvirt's QEMU runs as libvirt-qemu), or null. */
    static Path notSearchableByOthers(Path p) throws IOException {
        for (Path d = p.toAbsolutePath(); d != null; d = d.getParent()) {
            if (!java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(d)).endsWith("x")) return d;
        }
        return null;
    }

    static boolean answers() throws IOException {
        return Command.exec(List.of("virsh", "-c", URI, "uri"), Duration.ofSeconds(20)).ok();
    }

    static Command.Result virsh(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", URI));
        argv.addAll(List.of(args));
        return Command.exec(argv, Duration.ofMinutes(2));
    }

    /** Stops what this started, newest first, by PID. */
    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process p = started.get(i);
            p.destroy();
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
        started.clear();
    }
}
