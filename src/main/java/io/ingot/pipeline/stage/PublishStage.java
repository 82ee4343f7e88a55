package io.ingot.pipeline.stage;

import io.ingot.catalog.ChannelMove;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.PublishRequest;
import io.ingot.images.Publisher;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildSettings;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;
import io.ingot.sbom.CycloneDx;
import io.ingot.sbom.Sbom;
import io.ingot.template.Manifest;
import io.ingot.trust.BuildFacts;
import io.ingot.trust.Provenance;
import io.ingot.util.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
        BuildSettings settings = build.settings();
        var manifest = build.manifest().withStageTimings(build.timings().millisByStage());
        BuildOptions.PublishAs as = build.options().publishAs();
        List<String> storages = as != null ? as.storages() : settings.publish().storage();
        String channel = as != null ? as.channel() : settings.publish().channel();
        Integer version = as == null ? null : as.version();
        Path sbomFile = build.extraFiles().get(Sbom.FILE_NAME);
        if (sbomFile != null) {
            // the SBOM names the version it describes: its number is taken here (as the daemon does for a fleet build)
            if (version == null) version = build.images().catalog().reserveVersion(settings.name());
            Sbom sbom = CycloneDx.read(sbomFile);
            CycloneDx.write(new Sbom(sbom.serialNumber(), settings.name() + ":" + version, sbom.created(), sbom.components()), sbomFile);
            manifest = manifest.withSbom(new Manifest.SbomFile(Sbom.FILE_NAME, Sha256.of(sbomFile), Files.size(sbomFile),
                    sbom.components().size()));
        }
        Publisher.Published p = build.images().publisher().publishVersion(PublishRequest.ofBaseImage(settings.name(),
                build.template().baseImage(), manifest, storages, channel, build.extraFiles()).withVersion(version)
                .withProvenance(facts(build)));
        TemplateVersion v = p.version();
        ChannelMove move = p.channel();
        build.published(true);
        var disk = v.manifest().disk();
        build.log().info("base image sha256 " + disk.sha256() + (v.manifest().ram() != null ? ", with a RAM template" : ""));
        if (move != null && !move.moved()) build.log().info(move.note());
        build.result("published " + v.ref() + " on " + String.join(", ", v.storages()) + (move == null ? "" : move.describe()));
    }

    /** What the build's signed provenance says beyond the manifest: this host, its times, accelerator and provisioner files. */
    private static BuildFacts facts(BuildContext build) throws IOException {
        BuildSettings settings = build.settings();
        List<BuildFacts.Input> inputs = new ArrayList<>();
        for (Recipe.Provisioner p : settings.provisioners()) {
            for (String file : new String[] {p.script(), p.source()}) {
                if (file == null) continue;
                Path f = settings.resolve(file);
                // a folder a file provisioner copies is named by the recipe's hash, not file by file
                if (Files.isRegularFile(f)) inputs.add(new BuildFacts.Input("provisioner " + file, null, Sha256.of(f)));
            }
        }
        return new BuildFacts(Provenance.builderId(null), settings.name(), build.started(), Instant.now(),
                build.accelerator() == null ? null : build.accelerator().name(), inputs);
    }
}
