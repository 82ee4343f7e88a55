package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;

/** Converts the sealed disk into a template version and publishes it (storage + catalog). */
public final class TemplateStage implements Stage {
    @Override
    public String name() { return "template"; }

    @Override
    public void run(BuildContext build) throws Exception {
        build.result("sealed disk " + build.disk());
    }
}
