package io.ingot.pipeline;

import io.ingot.qemu.QemuProcess;
import io.ingot.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * {@code .running} in a build directory while its build runs: which ingot process runs it and where its private
 * runtime directory (QMP sockets, a capture VM's RAM; under /dev/shm or /tmp) is. A build directory whose owner is
 * gone was interrupted; the recovery step then removes its disks, RAM files and runtime directory and keeps its logs.
 */
public record BuildOwner(long pid, String start, String runtimeDir) {
    public static final String FILE_NAME = ".running";

    /** This process. */
    public static BuildOwner current() {
        ProcessHandle self = ProcessHandle.current();
        return new BuildOwner(self.pid(), self.info().startInstant().map(Object::toString).orElse(null), null);
    }

    public BuildOwner withRuntimeDir(Path dir) {
        return new BuildOwner(pid, start, dir == null ? null : dir.toString());
    }

    public boolean alive() {
        return QemuProcess.running(pid, start).isPresent();
    }

    public void write(Path buildDir) throws IOException {
        Path tmp = buildDir.resolve(FILE_NAME + ".tmp");
        Json.MAPPER.writeValue(tmp.toFile(), this);
        Files.move(tmp, buildDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static Optional<BuildOwner> read(Path buildDir) {
        Path f = buildDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(f.toFile(), BuildOwner.class));
        } catch (IOException e) {
            // torn or unreadable: taken as an owner that is gone
            return Optional.of(new BuildOwner(-1, null, null));
        }
    }

    public static void remove(Path buildDir) throws IOException {
        Files.deleteIfExists(buildDir.resolve(FILE_NAME));
    }
}
