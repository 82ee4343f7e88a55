package io.ingot.daemon;

import io.ingot.media.DebianInstallMedia;
import io.ingot.media.MediaFetcher;
import io.ingot.recipe.Recipe;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * What a recipe's media are now, for {@code when: changed}: the checksum a {@code file:} list gives for the
 * media file, and for debianinstall media the cache key of today's archive (a security update changes it).
 */
final class MediaIdentity implements InputHash.ChecksumLists {
    private final MediaFetcher media;
    private final Path cache;

    MediaIdentity(MediaFetcher media, Path cache) {
        this.media = media;
        this.cache = cache;
    }

    @Override
    public String resolve(String checksum, String fileName, URI url) throws IOException, InterruptedException {
        return media.expected(checksum, fileName, url).toString();
    }

    @Override
    public String builtin(Recipe.Source s) {
        if (!DebianInstallMedia.NAME.equals(s.builtin())) return String.valueOf(s);
        DebianInstallMedia debian = new DebianInstallMedia(cache, line -> { },
                new DebianInstallMedia.Options(s.suite(), s.mirror(), s.packages()));
        // unreachable archive: the recipe as written, so nothing rebuilds only because the network is down
        return debian.currentKey().orElse(String.valueOf(s));
    }
}
