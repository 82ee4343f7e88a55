package io.ingot.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What stopping a recorded QEMU leaves behind: its socket goes, a build's runtime directory goes whole. */
class RunRegistryTest {
    // a PID no process has (above Linux's pid_max): the record's QEMU is gone, only its files are left
    private static final long GONE = 1L << 40;

    @Test
    void aBuildsRuntimeDirectoryGoesWithItsQemuCaptureMemoryIncluded(@TempDir Path tmp) throws Exception {
        Path runtime = Files.createDirectory(tmp.resolve("ingot-12345"));
        Path socket = Files.createFile(runtime.resolve("ram.qmp"));
        Files.write(runtime.resolve("capture-memory"), new byte[4096]);
        RunRegistry registry = new RunRegistry(tmp.resolve("run"));
        assertFalse(registry.stop(record("ingot-b-ram", socket)), "nothing was running");
        assertFalse(Files.exists(runtime), "the runtime directory and the memory file in it are gone");
    }

    @Test
    void aClonesSocketGoesAndItsFolderStays(@TempDir Path tmp) throws Exception {
        Path qmp = Files.createDirectory(tmp.resolve("qmp"));
        Path socket = Files.createFile(qmp.resolve("c1.qmp"));
        Path other = Files.createFile(qmp.resolve("c2.qmp"));
        new RunRegistry(tmp.resolve("run")).stop(record("ingot-clone-c1", socket));
        assertFalse(Files.exists(socket), "the stopped clone's socket is gone");
        assertTrue(Files.exists(other), "another clone's socket stays");
    }

    private static RunRecord record(String name, Path socket) {
        return new RunRecord(name, GONE, "2026-01-01T00:00:00Z", "/usr/bin/qemu-system-x86_64", GONE, null, List.of(), true,
                socket.toString());
    }
}
