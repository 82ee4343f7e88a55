package io.ingot.pipeline;

import io.ingot.pipeline.stage.AnswerFilesStage;
import io.ingot.pipeline.stage.AnswerServerStage;
import io.ingot.pipeline.stage.BootCommandStage;
import io.ingot.pipeline.stage.BuildKeyStage;
import io.ingot.pipeline.stage.CreateDiskStage;
import io.ingot.pipeline.stage.InstallerVmStage;
import io.ingot.pipeline.stage.InstalledVmStage;
import io.ingot.pipeline.stage.MediaStage;
import io.ingot.pipeline.stage.ProvisionStage;
import io.ingot.pipeline.stage.PublishStage;
import io.ingot.pipeline.stage.QemuStage;
import io.ingot.pipeline.stage.RamTemplateStage;
import io.ingot.pipeline.stage.RecoveryStage;
import io.ingot.pipeline.stage.RuntimeDirStage;
import io.ingot.pipeline.stage.SealStage;
import io.ingot.pipeline.stage.ShutdownStage;
import io.ingot.pipeline.stage.TemplateStage;
import io.ingot.pipeline.stage.VerifyStage;
import io.ingot.pipeline.stage.WaitInstallStage;
import io.ingot.pipeline.stage.WaitSshStage;
import io.ingot.qemu.VmDriver;
import io.ingot.server.PortAllocator;
import io.ingot.util.IngotPaths;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;


/**
 * The stages a build can run, by name. Unordered: {@code routes/build.camel.yaml} alone says which run, in
 * which order and under which conditions.
 */
public final class Stages {
    private final Map<String, Stage> byName = new TreeMap<>();

    public Stages(Collection<? extends Stage> stages) {
        for (Stage s : stages) {
            if (byName.put(s.name(), s) != null) throw new IllegalArgumentException("two stages are named " + s.name());
        }
    }

    /** Every stage of a real build: QEMU started by {@code driver}, ports from the state directory's allocator. */
    public static Stages standard(IngotPaths paths, VmDriver driver) {
        PortAllocator ports = new PortAllocator(paths.state().resolve("ports"));
        return new Stages(Set.of(
                new RecoveryStage(),
                new QemuStage(),
                new RuntimeDirStage(),
                new BuildKeyStage(),
                new AnswerServerStage(ports),
                new AnswerFilesStage(),
                new MediaStage(),
                new CreateDiskStage(),
                new InstallerVmStage(driver),
                new BootCommandStage(),
                new WaitInstallStage(),
                new InstalledVmStage(ports, driver),
                new WaitSshStage(),
                new ProvisionStage(),
                new SealStage(),
                new ShutdownStage(),
                new TemplateStage(),
                new RamTemplateStage(ports, driver),
                new VerifyStage(ports),
                new PublishStage()));
    }

    public static Stages standard(IngotPaths paths) {
        return standard(paths, VmDriver.QEMU);
    }

    public Optional<Stage> get(String name) { return Optional.ofNullable(byName.get(name)); }

    public Set<String> names() { return byName.keySet(); }
}
