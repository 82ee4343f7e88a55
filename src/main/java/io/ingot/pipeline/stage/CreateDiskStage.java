package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.QemuImg;
import io.ingot.recipe.Recipe;

import java.nio.file.Files;
import java.nio.file.Path;

/** Creates the empty disk the installer writes to. */
public final class CreateDiskStage implements Stage {
    private final QemuImg qemuImg = new QemuImg();

    @Override
    public String name() { return "create-disk"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe.Disk disk = build.recipe().recipe().machine().disk();
        Path file = build.buildDir().resolve("disk." + disk.format());
        qemuImg.create(file, disk.format(), disk.size());
        build.disk(file);
        build.log().info("created " + file.getFileName() + " (" + disk.format() + ", " + disk.size() + ")");
    }

    /** The working disk goes once it is published, or when a failed build was not asked to keep it. */
    @Override
    public void cleanup(BuildContext build) throws Exception {
        if (build.disk() == null) return;
        boolean keep = build.failure() != null ? build.options().onError() == OnError.KEEP : !build.published();
        if (keep) {
            build.log().info("kept the VM disk " + build.disk());
        } else {
            Files.deleteIfExists(build.disk());
        }
    }
}
