package io.ingot.pipeline.stage;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.PullLimits;
import io.ingot.media.DebianInstallMedia;
import io.ingot.media.MediaFetcher;
import io.ingot.media.MirrorChooser;
import io.ingot.media.TinyInstallMedia;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildSettings;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.Media;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.ImageCheck;
import io.ingot.recipe.Recipe;
import io.ingot.storage.StorageConfig;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Sizes;
import io.ingot.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves the installation media: downloads with progress, verifies checksums, caches. A recipe made
 * {@code from} a published template gets that template's base image instead (resolved in the catalog: the
 * channel's version now, or the version the fleet resolved when it queued the build), and {@code media.disk}
 * a ready disk image, which passes the import check ({@link ImageCheck}) like every disk that comes in.
 */
public final class MediaStage implements Stage {
    private final MirrorChooser mirrors;

    /** @param mirrors chooses the Debian archive of ingot's own media (the host's apt sources by default) */
    public MediaStage(MirrorChooser mirrors) {
        this.mirrors = mirrors;
    }

    @Override
    public String name() { return "media"; }

    @Override
    public void run(BuildContext build) throws Exception {
        BuildSettings settings = build.settings();
        if (settings.from() != null) {
            parent(build, settings.from());
            return;
        }
        Recipe.Media media = settings.media();
        MediaFetcher fetcher = new MediaFetcher(build.paths().cache(), build.log()::info, source -> builtin(build, source));
        Path dir = build.settings().dir();
        if (media.disk() != null) {
            // a disk over the import limit is refused from its announced length, before it is downloaded
            StorageConfig config = build.images().storages().config();
            MediaFetcher.Fetched disk = fetcher.fetch(media.disk(), dir, new MediaFetcher.Limit(PullLimits.maxFile(config.importMaxVirtualSize()),
                    "imports.maxVirtualSize (" + Sizes.format(config.importMaxVirtualSize()) + " in " + config.file() + ")"));
            // it comes in as a pulled image does: the build's disk is an overlay on it, flattened into the template
            build.images().imageCheck().check(disk.file(), "media.disk " + disk.file(), ImageCheck.Policy.standalone(media.disk().diskFormat()));
            build.media(Media.diskImage(disk.file(), media.disk().diskFormat(), disk.checksum()));
            build.log().info("disk image: " + disk.file() + " (" + media.disk().diskFormat() + ", " + disk.checksum() + ")");
        } else if (media.isIso()) {
            MediaFetcher.Fetched iso = fetcher.fetch(media.iso(), dir);
            build.media(Media.iso(iso.file(), iso.checksum()));
            build.log().info("installation ISO: " + iso.file() + " (" + iso.checksum() + ")");
        } else {
            MediaFetcher.Fetched kernel = fetcher.fetch(media.kernel(), dir);
            MediaFetcher.Fetched initrd = fetcher.fetch(media.initrd(), dir);
            build.media(Media.kernel(kernel.file(), initrd.file(), kernel.checksum() + "," + initrd.checksum()));
            build.log().info("kernel: " + kernel.file() + ", initrd: " + initrd.file());
        }
    }

    /** The parent template's version and base image (a file: the build's disk is a linked overlay on it). */
    private static void parent(BuildContext build, String from) {
        BuildOptions.Pin pin = build.options().parent();
        String wanted = pin != null ? pin.ref() : from;
        TemplateVersion v = build.images().catalog().resolve(TemplateRef.parse(wanted));
        TemplateFiles files = null;
        for (String storage : v.storages()) {
            TemplateFiles f = build.images().storages().get(storage).locate(v.name(), v.version()).orElse(null);
            if (f != null && f.baseImage().isFile() && Files.isRegularFile(f.baseImage().path())) {
                files = f;
                break;
            }
        }
        if (files == null) {
            throw new UserError("from: " + v.ref() + " has no base image file on " + String.join(", ", v.storages())
                    + " (a derived build overlays a file: publish the parent to a dir storage)");
        }
        Manifest m = v.manifest();
        Manifest.Ancestor self = m.asAncestor();
        if (pin != null && pin.sha256() != null) {
            // the parent as the daemon that queued the build knows it (this host may hold a recompressed copy)
            self = new Manifest.Ancestor(self.ref(), pin.sha256(), self.buildId(), self.mediaChecksum());
        }
        List<Manifest.Ancestor> lineage = new ArrayList<>(m.lineage());
        lineage.add(self);
        long size = m.disk() == null || m.disk().virtualSize() == null ? 0 : m.disk().virtualSize();
        build.media(Media.parent(new BuildContext.Parent(from, v.ref(), files.baseImage().path(), files.format(), size, lineage),
                self.sha256() == null ? null : "sha256:" + self.sha256()));
        build.log().info("from " + from + ": " + v.ref() + " (base image " + files.baseImage()
                + (self.sha256() != null ? ", sha256 " + self.sha256() : "") + ")");
    }

    private Path builtin(BuildContext build, Recipe.Source source) {
        return switch (source.builtin()) {
            case TinyInstallMedia.NAME -> new TinyInstallMedia(build.paths().cache(), build.log()::info,
                    mirrors.choose(source.mirror(), TinyInstallMedia.SUITE)).ensureIso();
            case DebianInstallMedia.NAME -> new DebianInstallMedia(build.paths().cache(), build.log()::info,
                    DebianInstallMedia.Options.of(source, mirrors)).ensureIso();
            default -> throw new UserError("unknown builtin media: " + source.builtin());
        };
    }
}
