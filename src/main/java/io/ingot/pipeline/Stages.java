package io.ingot.pipeline;

import io.ingot.pipeline.stage.AnswerFilesStage;
import io.ingot.pipeline.stage.AnswerServerStage;
import io.ingot.pipeline.stage.BootCommandStage;
import io.ingot.pipeline.stage.CreateDiskStage;
import io.ingot.pipeline.stage.InstallerVmStage;
import io.ingot.pipeline.stage.InstalledVmStage;
import io.ingot.pipeline.stage.MediaStage;
import io.ingot.pipeline.stage.PrepareStage;
import io.ingot.pipeline.stage.ProvisionStage;
import io.ingot.pipeline.stage.SealStage;
import io.ingot.pipeline.stage.ShutdownStage;
import io.ingot.pipeline.stage.PublishStage;
import io.ingot.pipeline.stage.RamTemplateStage;
import io.ingot.pipeline.stage.TemplateStage;
import io.ingot.pipeline.stage.VerifyStage;
import io.ingot.pipeline.stage.WaitInstallStage;
import io.ingot.pipeline.stage.WaitSshStage;
import io.ingot.server.PortAllocator;
import io.ingot.util.IngotPaths;

import java.util.List;

/** The stages of a build, in the order {@code routes/build.camel.yaml} runs them. */
public final class Stages {
    private Stages() { }

    public static Pipeline standard(IngotPaths paths) {
        PortAllocator ports = new PortAllocator(paths.state().resolve("ports"));
        return new Pipeline(List.of(
                new PrepareStage(),
                new AnswerServerStage(ports),
                new AnswerFilesStage(),
                new MediaStage(),
                new CreateDiskStage(),
                new InstallerVmStage(),
                new BootCommandStage(),
                new WaitInstallStage(),
                new InstalledVmStage(ports),
                new WaitSshStage(),
                new ProvisionStage(),
                new SealStage(),
                new ShutdownStage(),
                new TemplateStage(),
                new RamTemplateStage(ports),
                new VerifyStage(ports),
                new PublishStage()));
    }
}
