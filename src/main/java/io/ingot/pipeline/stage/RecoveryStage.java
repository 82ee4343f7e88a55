package io.ingot.pipeline.stage;

import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildHistory;
import io.ingot.pipeline.Recovery;
import io.ingot.pipeline.Stage;

/**
 * Opens the storages and the catalog, runs the recovery step (QEMU left by builds that died, interrupted
 * builds, publishes, removals and clones) and records the build in the catalog.
 */
public final class RecoveryStage implements Stage {
    @Override
    public String name() { return "recovery"; }

    @Override
    public void run(BuildContext build) {
        build.images(ImageStore.open(build.paths()));
        for (String line : new Recovery(build.paths()).run(build.images(), false)) build.log().info("recovery: " + line);
        new BuildHistory(build.paths(), build.images().catalog()).started(build.buildId(), build.name(), build.started());
    }
}
