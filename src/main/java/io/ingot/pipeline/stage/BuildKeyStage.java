package io.ingot.pipeline.stage;

import io.ingot.guest.BuildKey;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;

/** Makes the per-build SSH key the answer files hand the installed system; sealing removes it from the guest. */
public final class BuildKeyStage implements Stage {
    @Override
    public String name() { return "build-key"; }

    @Override
    public void run(BuildContext build) {
        build.buildKey(BuildKey.generate());
        build.log().info("build key " + build.buildKey().fingerprint());
    }
}
