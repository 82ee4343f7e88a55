package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.BuildSettings;
import io.ingot.pipeline.TemplateResult;
import io.ingot.pipeline.Stage;
import io.ingot.pipeline.VmRole;
import io.ingot.qemu.QemuImg;
import io.ingot.recipe.Recipe;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.util.Sizes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts the sealed disk into the base image ({@code qemu-img convert}: compacted, optionally
 * compressed), checks it, and drafts the manifest. Nothing is published yet: verify comes first.
 */
public final class TemplateStage implements Stage {
    private final QemuImg qemuImg = new QemuImg();

    @Override
    public String name() { return "template"; }

    @Override
    public void run(BuildContext build) throws Exception {
        BuildSettings settings = build.settings();
        Recipe.Machine m = settings.machine();
        Path base = build.buildDir().resolve("base.qcow2");
        Files.deleteIfExists(base);
        build.log().info("converting " + build.disk().path().getFileName() + " into the base image"
                + (settings.template().compress() ? " (compressed)" : ""));
        // an overlay on a parent template or a disk image is read through its backing file: flattened here. Beside
        // a capture VM booting from the same disk (capture-boot) the conversion takes what CPU time the boot leaves
        BuildVm capture = build.vm(VmRole.CAPTURE);
        QemuImg converter = capture != null && capture.vm().isAlive() ? qemuImg.yielding() : qemuImg;
        converter.convert(build.disk().path(), build.disk().format(), base, "qcow2", settings.template().compress());
        qemuImg.check(base, "qcow2");
        QemuImg.Info info = qemuImg.info(base, "qcow2");
        build.log().info(String.format("base image: %d MiB virtual, %d MiB on disk (sealed disk was %d MiB)",
                info.virtualSize() >> 20, Files.size(base) >> 20, Files.size(build.disk().path()) >> 20));
        BuildContext.Parent parent = build.media().parent();
        build.template(new TemplateResult(base, Manifest.empty()
                .withBuild(build.buildId(), build.settings().contentHash(), build.media().checksum())
                .withMachine(build.qemu().version().toString(), m.type(), m.cpu(), m.cpus(),
                        (int) Sizes.parseMebibytes(m.memory()), devices(m))
                .withParent(parent == null ? null : parent.from(), parent == null ? null : parent.ref(),
                        parent == null ? List.of() : parent.lineage())));
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        if (build.template() != null && !build.published()) Files.deleteIfExists(build.template().baseImage());
    }

    /** The device list that, with QEMU version, machine, CPU and RAM, identifies the VM a template was made with. */
    static List<String> devices(Recipe.Machine m) {
        List<String> devices = new ArrayList<>();
        devices.add("disk:" + m.disk().iface());
        devices.add("nic:" + m.nic().model());
        if (m.isUefi()) devices.add(Devices.UEFI);
        if (m.hasGuestAgent()) devices.add(Devices.AGENT);
        List<String> args = m.qemuArgs();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-device")) devices.add(args.get(i + 1).split(",")[0]);
        }
        return devices;
    }
}
