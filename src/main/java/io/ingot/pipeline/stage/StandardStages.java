package io.ingot.pipeline.stage;

import io.ingot.media.MirrorChooser;
import io.ingot.pipeline.Stages;
import io.ingot.qemu.VmDriver;
import io.ingot.server.PortAllocator;
import io.ingot.util.IngotPaths;

import java.util.Set;

/** The stages of a real build, made here beside them so that {@code pipeline} does not depend on its stages. */
public final class StandardStages {
    private StandardStages() { }

    /** Every stage of a real build: QEMU started by {@code driver}, ports from the state directory's allocator. */
    public static Stages of(IngotPaths paths, VmDriver driver) {
        PortAllocator ports = new PortAllocator(paths.state().resolve("ports"));
        CaptureBootStage captureBoot = new CaptureBootStage(ports, driver);
        return new Stages(Set.of(
                new RecoveryStage(),
                new QemuStage(),
                new RuntimeDirStage(),
                new BuildKeyStage(),
                new AnswerServerStage(ports),
                new AnswerFilesStage(),
                new MediaStage(MirrorChooser.ofHost()),
                new CreateDiskStage(),
                new InstallerVmStage(driver),
                new BootCommandStage(),
                new WaitInstallStage(),
                new InstalledVmStage(ports, driver),
                new WaitSshStage(),
                new ProvisionStage(),
                new SbomStage(),
                new GateStage(),
                new SealStage(),
                new ShutdownStage(),
                captureBoot,
                new TemplateStage(),
                new RamTemplateStage(captureBoot),
                new VerifyStage(ports),
                new PublishStage()));
    }

    public static Stages of(IngotPaths paths) {
        return of(paths, VmDriver.QEMU);
    }
}
