package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildDisk;
import io.ingot.pipeline.OnError;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;
import io.ingot.qemu.QemuImg;
import io.ingot.util.Command;
import io.ingot.util.Sizes;
import io.ingot.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Creates the empty disk the installer writes to; for a recipe made {@code from} a template or from
 * {@code media.disk}, a qcow2 overlay on that base image instead (its size: the recipe's disk size when larger),
 * which the template stage flattens into a base image of its own.
 */
public final class CreateDiskStage implements Stage {
    private final QemuImg qemuImg = new QemuImg();

    @Override
    public String name() { return "create-disk"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe.Disk disk = build.settings().machine().disk();
        long limit = build.images().imageCheck().maxVirtualSize();
        if (Sizes.parseBytes(disk.size()) > limit) {
            // the publish would refuse the template at the end: say so before the build
            throw new UserError("machine.disk.size " + disk.size() + " is over the import limit of " + Sizes.format(limit)
                    + " (imports.maxVirtualSize in storage.yaml)");
        }
        BuildContext.Parent parent = build.media().parent();
        Path backing = parent != null ? parent.baseImage() : build.media().diskImage();
        if (backing != null) {
            String backingFormat = parent != null ? parent.format() : build.media().diskImageFormat();
            long size = Math.max(qemuImg.info(backing, backingFormat).virtualSize(), Sizes.parseBytes(disk.size()));
            Path file = build.buildDir().resolve("disk.qcow2");
            Files.deleteIfExists(file);
            Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", backingFormat,
                    "-b", backing.toAbsolutePath().toString(), file.toString(), Long.toString(size)), Duration.ofMinutes(1));
            build.disk(new BuildDisk(file, "qcow2"));
            build.log().info("created " + file.getFileName() + " (qcow2 overlay on " + backing + ", " + (size >> 20) + " MiB)");
            // the route skips the install stages for this build; say so where the disk is made
            build.log().info("no installer: the disk is " + (parent != null ? "a linked overlay of " + parent.ref() : "a disk image"));
            return;
        }
        Path file = build.buildDir().resolve("disk." + disk.format());
        qemuImg.create(file, disk.format(), disk.size());
        build.disk(new BuildDisk(file, disk.format()));
        build.log().info("created " + file.getFileName() + " (" + disk.format() + ", " + disk.size() + ")");
    }

    /** The working disk goes once it is published, or when a failed build was not asked to keep it. */
    @Override
    public void cleanup(BuildContext build) throws Exception {
        if (build.disk() == null) return;
        boolean keep = build.failure() != null ? build.options().onError() == OnError.KEEP : !build.published();
        if (keep) {
            build.log().info("kept the VM disk " + build.disk().path());
        } else {
            Files.deleteIfExists(build.disk().path());
        }
    }
}
