package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;

/** Waits until the installed system answers SSH with the build key. */
public final class WaitSshStage implements Stage {
    @Override
    public String name() { return "wait-ssh"; }

    @Override
    public void run(BuildContext build) throws Exception {
        if (!build.settings().communicator().isSsh()) {
            build.log().info("communicator is none: nothing to wait for");
            return;
        }
        GuestConnection.open(build);
    }

    @Override
    public void cleanup(BuildContext build) {
        if (build.session() != null) build.session().close();
    }
}
