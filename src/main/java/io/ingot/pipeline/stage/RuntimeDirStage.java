package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildOwner;
import io.ingot.pipeline.Stage;
import io.ingot.util.Trees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Makes the build's private runtime directory (QMP sockets: their paths must stay short) on tmpfs where there is
 * one, else under the temporary directory, and records it in the build's owner mark, so the recovery step finds it
 * if this process dies.
 */
public final class RuntimeDirStage implements Stage {
    @Override
    public String name() { return "runtime-dir"; }

    @Override
    public void run(BuildContext build) throws Exception {
        build.runtimeDir(Files.createTempDirectory(parent(), "ingot-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------"))));
        BuildOwner.current().withRuntimeDir(build.runtimeDir()).write(build.buildDir());
    }

    /**
     * /dev/shm where it is a writable tmpfs, else the temporary directory: a capture VM's RAM in a file there is not
     * written back to a disk while the guest boots (on a disk file that cost ~3 s of a first boot under emulation).
     */
    static Path parent() {
        Path shm = Path.of("/dev/shm");
        try {
            if (Files.isDirectory(shm) && Files.isWritable(shm) && "tmpfs".equals(Files.getFileStore(shm).type())) return shm;
        } catch (IOException e) {
            // not usable: the temporary directory
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        if (build.runtimeDir() != null) Trees.delete(build.runtimeDir());
    }
}
