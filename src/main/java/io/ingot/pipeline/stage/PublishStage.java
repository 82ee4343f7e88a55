package io.ingot.pipeline.stage;

import io.ingot.catalog.ChannelMove;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.PublishRequest;
import io.ingot.images.Publisher;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;

import java.util.List;

/**
 * Publishes the verified base image as the template's next version on the recipe's storages and
 * channel: files land under a temporary name and are renamed into place, the catalog rows come last.
 * The channel moves only forward: a build that publishes after a newer version (a retry) leaves it, and says so.
 */
public final class PublishStage implements Stage {
    @Override
    public String name() { return "publish"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe recipe = build.recipe().recipe();
        var manifest = build.manifest().withStageTimings(build.timings().millisByStage());
        BuildOptions.PublishAs as = build.options().publishAs();
        List<String> storages = as != null ? as.storages() : recipe.publish().storage();
        String channel = as != null ? as.channel() : recipe.publish().channel();
        Publisher.Published p = build.images().publisher().publishVersion(PublishRequest.ofBaseImage(recipe.name(),
                build.baseImage(), manifest, storages, channel, build.extraFiles()).withVersion(as == null ? null : as.version()));
        TemplateVersion v = p.version();
        ChannelMove move = p.channel();
        build.published(true);
        var disk = v.manifest().disk();
        build.log().info("base image sha256 " + disk.sha256() + (v.manifest().ram() != null ? ", with a RAM template" : ""));
        if (move != null && !move.moved()) build.log().info(move.note());
        build.result("published " + v.ref() + " on " + String.join(", ", v.storages()) + (move == null ? "" : move.describe()));
    }
}
