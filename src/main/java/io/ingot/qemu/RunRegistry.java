package io.ingot.qemu;

import io.ingot.util.Json;
import io.ingot.util.Trees;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The QEMU processes ingot runs, one {@link RunRecord} per file in {@code <state>/run/}, written before QEMU is
 * waited on and removed when it is stopped or detached. What a killed ingot leaves here is what the recovery
 * step reaps, and what {@code ingot stop}, {@code start}, {@code rm} and {@code pool} look up by name.
 */
public final class RunRegistry {
    private final Path dir;

    public RunRegistry(Path dir) { this.dir = dir; }

    public Path dir() { return dir; }

    Path fileOf(String name) { return dir.resolve(safe(name) + ".json"); }

    void write(RunRecord r) throws IOException {
        Files.createDirectories(dir);
        Path file = fileOf(r.name());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), r);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    void remove(String name) {
        try {
            Files.deleteIfExists(fileOf(name));
        } catch (IOException ignored) {
            // a record left behind is reaped later
        }
    }

    public Optional<RunRecord> find(String name) {
        Path f = fileOf(name);
        if (!Files.exists(f)) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(f.toFile(), RunRecord.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The QEMU named {@code name} when the ingot process that started it is gone and it runs on (an interrupted
     * {@code ingot start}, a warm-pool filler killed half-way): nobody else will ever stop it.
     */
    public Optional<ProcessHandle> orphan(String name) {
        return find(name).filter(r -> !ownerAlive(r)).flatMap(RunRegistry::qemuOf);
    }

    /** Whether the JVM that wrote the record still runs. */
    public static boolean ownerAlive(RunRecord r) {
        return QemuProcess.running(r.ownerPid(), r.ownerStart()).isPresent();
    }

    /** The live QEMU of a record: same PID, same start time, same binary (never a recycled PID). */
    public static Optional<ProcessHandle> qemuOf(RunRecord r) {
        return QemuProcess.running(r.pid(), r.start()).filter(h -> commandMatches(h, r.command()));
    }

    /** Stops an orphan by its record (SIGTERM, then SIGKILL) and removes the record; true if it was running. */
    public boolean stop(RunRecord r) {
        Optional<ProcessHandle> qemu = qemuOf(r);
        qemu.ifPresent(h -> QemuProcess.terminate(h, Duration.ofSeconds(3), Duration.ofSeconds(5)));
        remove(r.name());
        if (r.qmpSocket() != null) {
            Path socket = Path.of(r.qmpSocket());
            try {
                Files.deleteIfExists(socket);
                // a build's private runtime directory (/dev/shm/ingot-* or /tmp/ingot-*) goes with its QEMU: the build
                // is over (its owner is gone, or it left this QEMU running on purpose), and a capture VM's memory file
                // there holds RAM until the next reboot
                Path parent = socket.getParent();
                if (parent != null && parent.getFileName().toString().startsWith("ingot-")) Trees.delete(parent);
            } catch (IOException ignored) {
                // a stale socket file is replaced at the next start; a directory still in use stays
            }
        }
        return qemu.isPresent();
    }

    /**
     * Kills QEMU processes recorded here whose owner JVM is gone and removes stale records; a QEMU left running
     * on purpose ({@code --on-error abort}) is only reported, unless {@code stopLeft}.
     *
     * @return one line per record handled, for the log
     */
    public List<String> reap(boolean stopLeft) {
        List<String> done = new ArrayList<>();
        if (!Files.isDirectory(dir)) return done;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                RunRecord r;
                try {
                    r = Json.MAPPER.readValue(file.toFile(), RunRecord.class);
                } catch (IOException e) {
                    Files.deleteIfExists(file); // records are renamed into place whole: this one is damaged
                    done.add("removed unreadable record " + file.getFileName());
                    continue;
                }
                if (!r.leftRunning() && ownerAlive(r)) continue; // its owner still runs it
                Optional<ProcessHandle> qemu = qemuOf(r);
                if (r.leftRunning() && qemu.isPresent() && !stopLeft) {
                    done.add("QEMU " + r.name() + " (pid " + r.pid() + ") still runs, left by --on-error abort;"
                            + " stop it with: ingot doctor --repair");
                    continue;
                }
                stop(r);
                if (qemu.isPresent()) {
                    done.add((r.leftRunning() ? "stopped QEMU " + r.name() + " (pid " + r.pid() + "), left by --on-error abort"
                            : "killed stale QEMU " + r.name() + " (pid " + r.pid() + ", owner pid " + r.ownerPid() + " is gone)"));
                } else {
                    done.add("removed stale record " + r.name() + " (pid " + r.pid() + " no longer runs that QEMU)");
                }
            }
        } catch (IOException e) {
            throw new QemuException("cannot read the QEMU run registry " + dir + ": " + e.getMessage(), e);
        }
        return done;
    }

    private static boolean commandMatches(ProcessHandle h, String command) {
        Optional<String> actual = h.info().command();
        if (actual.isEmpty() || command == null) return true; // start time already matched
        return Path.of(actual.get()).getFileName().equals(Path.of(command).getFileName());
    }

    static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
