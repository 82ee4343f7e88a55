package io.ingot.pipeline.stage;

import io.ingot.util.Trees;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where the capture VM's RAM goes: tmpfs when the runtime directory is on one with room, else the build directory. */
class CaptureBootStageTest {
    private static final String RECIPE = """
            name: cap
            media:
              iso: {builtin: tinyinstall}
            template:
              ram: true
            """;

    @Test
    void aRuntimeDirectoryOnTmpfsWithRoomHoldsTheCaptureMemory(@TempDir Path dir) throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type()), "this host has no tmpfs at /dev/shm");
        assertEquals(shm, RuntimeDirStage.parent(), "the runtime directory goes to /dev/shm");
        StageFixture f = new StageFixture(dir, RECIPE);
        Path runtime = Files.createTempDirectory(shm, "ingot-test-");
        try {
            f.build.runtimeDir(runtime);
            assertEquals(runtime.resolve("capture-memory"), CaptureBootStage.memoryFile(f.build, 64));
            // more than half of what the tmpfs has left: the build directory, as without a tmpfs
            assertEquals(f.build.buildDir().resolve("ram/memory"), CaptureBootStage.memoryFile(f.build, 1L << 40));
        } finally {
            Trees.delete(runtime);
        }
    }
}
