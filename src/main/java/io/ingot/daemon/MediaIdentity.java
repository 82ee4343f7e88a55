package io.ingot.daemon;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.TemplateVersion;
import io.ingot.media.DebianInstallMedia;
import io.ingot.media.MediaFetcher;
import io.ingot.media.MirrorChooser;
import io.ingot.recipe.Recipe;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * What a recipe's media are now, for {@code when: changed}: the checksum a {@code file:} list gives for the
 * media file, for debianinstall media the cache key of today's archive (a security update changes it), and for a
 * recipe made {@code from} a template the version it resolves to in the catalog now.
 */
final class MediaIdentity implements InputHash.ChecksumLists {
    private final MediaFetcher media;
    private final Path cache;
    private final Catalog catalog;
    private final MirrorChooser mirrors;

    MediaIdentity(MediaFetcher media, Path cache, Catalog catalog, MirrorChooser mirrors) {
        this.media = media;
        this.cache = cache;
        this.catalog = catalog;
        this.mirrors = mirrors;
    }

    @Override
    public String parent(String from) {
        try {
            TemplateVersion v = catalog.resolve(TemplateRef.parse(from));
            return v.ref() + " sha256:" + (v.manifest().disk() == null ? null : v.manifest().disk().sha256());
        } catch (UserError e) {
            // no such parent (yet): the build fails and says so; the hash matches no built one meanwhile
            return "unresolved " + from + ": " + e.getMessage();
        }
    }

    @Override
    public String resolve(String checksum, String fileName, URI url) throws IOException, InterruptedException {
        return media.expected(checksum, fileName, url).toString();
    }

    @Override
    public String builtin(Recipe.Source s) {
        if (!DebianInstallMedia.NAME.equals(s.builtin())) return String.valueOf(s);
        DebianInstallMedia.Options options;
        try {
            options = DebianInstallMedia.Options.of(s, mirrors);
        } catch (UserError e) {
            return String.valueOf(s); // no archive to ask: the build fails and says so
        }
        DebianInstallMedia debian = new DebianInstallMedia(cache, line -> { }, options);
        // unreachable archive: the recipe as written, so nothing rebuilds only because the network is down
        return debian.currentKey().orElse(String.valueOf(s));
    }
}
