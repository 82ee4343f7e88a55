package io.ingot.pipeline.stage;

import io.ingot.catalog.ImageStore;
import io.ingot.catalog.PublishRequest;
import io.ingot.catalog.TemplateVersion;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;
import io.ingot.template.Manifest;
import io.ingot.util.Sizes;

import java.util.ArrayList;
import java.util.List;

/**
 * Converts the sealed disk into a read-only base image with its manifest and publishes the template
 * version to the recipe's storages and channel: files first (atomic rename), catalog rows last.
 */
public final class TemplateStage implements Stage {
    @Override
    public String name() { return "template"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe recipe = build.recipe().recipe();
        Recipe.Machine m = recipe.machine();
        Manifest manifest = Manifest.empty()
                .withBuild(build.buildId(), build.recipe().contentHash(), build.mediaChecksum())
                .withMachine(build.qemu().version().toString(), m.type(), m.cpu(), m.cpus(),
                        (int) Sizes.parseMebibytes(m.memory()), devices(m))
                .withStageTimings(build.timings().millisByStage())
                .withLineage(null, List.of());
        ImageStore store = build.images();
        build.log().info("converting " + build.disk().getFileName() + " into the base image"
                + (recipe.template().compress() ? " (compressed)" : ""));
        TemplateVersion v = store.publisher().publish(new PublishRequest(recipe.name(), build.disk(),
                m.disk().format(), recipe.template().compress(), manifest, recipe.publish().storage(),
                recipe.publish().channel()));
        build.published(true);
        var disk = v.manifest().disk();
        build.log().info("base image sha256 " + disk.sha256() + ", " + disk.actualSize() / (1 << 20) + " MiB on disk, "
                + disk.virtualSize() / (1 << 20) + " MiB virtual");
        build.result("published " + v.ref() + " on " + String.join(", ", v.storages())
                + ", channel " + recipe.publish().channel());
    }

    /** The device list that, with QEMU version, machine, CPU and RAM, identifies the VM a template was made with. */
    static List<String> devices(Recipe.Machine m) {
        List<String> devices = new ArrayList<>();
        devices.add("disk:" + m.disk().iface());
        devices.add("nic:" + m.nic().model());
        List<String> args = m.qemuArgs();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-device")) devices.add(args.get(i + 1).split(",")[0]);
        }
        return devices;
    }
}
