package io.ingot.pipeline.stage;

import io.ingot.catalog.PublishRequest;
import io.ingot.catalog.TemplateVersion;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;

/**
 * Publishes the verified base image as the template's next version on the recipe's storages and
 * channel: files land under a temporary name and are renamed into place, the catalog rows come last.
 */
public final class PublishStage implements Stage {
    @Override
    public String name() { return "publish"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe recipe = build.recipe().recipe();
        var manifest = build.manifest().withStageTimings(build.timings().millisByStage());
        TemplateVersion v = build.images().publisher().publish(PublishRequest.ofBaseImage(recipe.name(),
                build.baseImage(), manifest, recipe.publish().storage(), recipe.publish().channel(), build.extraFiles()));
        build.published(true);
        var disk = v.manifest().disk();
        build.log().info("base image sha256 " + disk.sha256() + (v.manifest().ram() != null ? ", with a RAM template" : ""));
        build.result("published " + v.ref() + " on " + String.join(", ", v.storages())
                + ", channel " + recipe.publish().channel());
    }
}
