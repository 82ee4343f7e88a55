package io.ingot.pipeline.stage;

import io.ingot.media.DebianInstallMedia;
import io.ingot.media.MediaFetcher;
import io.ingot.media.TinyInstallMedia;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;
import io.ingot.util.UserError;

import java.nio.file.Path;

/** Resolves the installation media: downloads with progress, verifies checksums, caches. */
public final class MediaStage implements Stage {
    @Override
    public String name() { return "media"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe.Media media = build.recipe().recipe().media();
        MediaFetcher fetcher = new MediaFetcher(build.paths().cache(), build.log()::info, source -> builtin(build, source));
        Path dir = build.recipe().dir();
        if (media.isIso()) {
            MediaFetcher.Fetched iso = fetcher.fetch(media.iso(), dir);
            build.installMedia(iso.file());
            build.mediaChecksum(iso.checksum());
            build.log().info("installation ISO: " + iso.file() + " (" + iso.checksum() + ")");
        } else {
            MediaFetcher.Fetched kernel = fetcher.fetch(media.kernel(), dir);
            MediaFetcher.Fetched initrd = fetcher.fetch(media.initrd(), dir);
            build.kernel(kernel.file());
            build.initrd(initrd.file());
            build.mediaChecksum(kernel.checksum() + "," + initrd.checksum());
            build.log().info("kernel: " + kernel.file() + ", initrd: " + initrd.file());
        }
    }

    private static Path builtin(BuildContext build, Recipe.Source source) {
        return switch (source.builtin()) {
            case TinyInstallMedia.NAME -> new TinyInstallMedia(build.paths().cache(), build.log()::info).ensureIso();
            case DebianInstallMedia.NAME -> new DebianInstallMedia(build.paths().cache(), build.log()::info,
                    new DebianInstallMedia.Options(source.suite(), source.mirror(), source.packages())).ensureIso();
            default -> throw new UserError("unknown builtin media: " + source.builtin());
        };
    }
}
