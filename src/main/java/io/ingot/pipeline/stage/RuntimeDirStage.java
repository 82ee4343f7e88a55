package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildOwner;
import io.ingot.pipeline.Stage;
import io.ingot.util.Trees;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Makes the build's private runtime directory under the temporary directory (QMP sockets: their paths must
 * stay short) and records it in the build's owner mark, so the recovery step finds it if this process dies.
 */
public final class RuntimeDirStage implements Stage {
    @Override
    public String name() { return "runtime-dir"; }

    @Override
    public void run(BuildContext build) throws Exception {
        build.runtimeDir(Files.createTempDirectory("ingot-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------"))));
        BuildOwner.current().withRuntimeDir(build.runtimeDir()).write(build.buildDir());
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        if (build.runtimeDir() != null) Trees.delete(build.runtimeDir());
    }
}
