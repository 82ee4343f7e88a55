package io.ingot.media;

import io.ingot.recipe.Recipe;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Real Debian installation media built from Debian's package archive: {@code debianinstall.iso}, a Debian
 * system made with mmdebstrap (an ext4 file system image) and a small installer that writes it onto the disk,
 * grows it and installs GRUB (see {@code media/debianinstall/build.sh}). Cached by the scripts, the suite, the mirrors, the
 * package list and the archive's Release dates: a new point release or security update gives new media.
 * When the archive cannot be reached, the newest media built earlier with the same suite, mirrors and
 * packages are used, saying so.
 */
public final class DebianInstallMedia {
    public static final String NAME = "debianinstall";
    public static final String ISO_NAME = "debianinstall.iso";
    static final String KEY_FILE = "media-key.txt";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(40);

    /**
     * What the recipe asks for (a null suite is bookworm, null packages none) and the archive to build from
     * ({@link MirrorChooser}: the recipe's mirror, INGOT_MIRROR, or the host's own apt sources).
     */
    public record Options(String suite, DebianArchive archive, List<String> packages) {
        public static final String DEFAULT_SUITE = "bookworm";

        public Options {
            suite = suite == null ? DEFAULT_SUITE : suite;
            Objects.requireNonNull(archive, "archive");
            packages = packages == null ? List.of() : List.copyOf(new TreeSet<>(packages));
        }

        /** A recipe's {@code media.iso}, its archive chosen by {@code mirrors}. */
        public static Options of(Recipe.Source source, MirrorChooser mirrors) {
            String suite = source.suite() == null ? DEFAULT_SUITE : source.suite();
            return new Options(suite, mirrors.choose(source.mirror(), suite), source.packages());
        }

        String mirror() { return archive.mirror(); }

        String securityMirror() { return archive.security(); }

        /** The cache key without the archive dates (to find earlier media of the same system). */
        String identity() {
            return "suite=" + suite + "\nmirror=" + mirror() + "\nsecurity=" + securityMirror()
                    + "\npackages=" + String.join(" ", packages) + "\n";
        }
    }

    private final Path cacheDir;
    private final Consumer<String> progress;
    private final Options options;
    private final HttpClient http;

    public DebianInstallMedia(Path cacheDir, Consumer<String> progress, Options options) {
        this.cacheDir = cacheDir;
        this.progress = progress;
        this.options = options;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(15)).build();
    }

    /** Returns {@code debianinstall.iso}, building it when the cache has none for today's archive. */
    public Path ensureIso() {
        Optional<String> dates = releaseDates();
        if (dates.isEmpty()) {
            Path earlier = earlierBuild().orElseThrow(() -> new UserError("cannot reach the Debian archive "
                    + options.mirror() + " to build " + ISO_NAME + " for " + options.suite() + ", and none was built before"));
            progress.accept("the Debian archive is unreachable; using " + earlier + " built before");
            return earlier.resolve(ISO_NAME);
        }
        String key = options.identity() + dates.get();
        progress.accept("Debian archive: " + options.archive().describe());
        ScriptedMedia media = new ScriptedMedia(NAME, ISO_NAME, cacheDir, progress, key, environment(), BUILD_TIMEOUT);
        Path iso = media.ensureIso();
        Path keyFile = media.outputDir().resolve(KEY_FILE);
        try {
            if (!Files.exists(keyFile)) Files.writeString(keyFile, key);
        } catch (IOException e) {
            progress.accept("cannot record the media key in " + keyFile + ": " + e.getMessage());
        }
        return iso;
    }

    /** The cache key the media would have now (scripts aside): the system asked for and the archive's dates. */
    public Optional<String> currentKey() {
        return releaseDates().map(dates -> options.identity() + dates);
    }

    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INGOT_SUITE", options.suite());
        env.putAll(options.archive().environment());
        env.put("INGOT_PACKAGES", String.join(" ", options.packages()));
        return env;
    }

    /** The Date of each suite's InRelease (suite, -updates, -security), or empty when the archive cannot be reached. */
    Optional<String> releaseDates() {
        List<String> urls = List.of(
                options.mirror() + "/dists/" + options.suite() + "/InRelease",
                options.mirror() + "/dists/" + options.suite() + "-updates/InRelease",
                options.securityMirror() + "/dists/" + options.suite() + "-security/InRelease");
        StringBuilder dates = new StringBuilder();
        for (String url : urls) {
            try {
                HttpResponse<Stream<String>> r = http.send(
                        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                        HttpResponse.BodyHandlers.ofLines());
                if (r.statusCode() != 200) {
                    r.body().close();
                    if (url.contains("-updates") || url.contains("-security")) continue; // not every suite has them
                    progress.accept("cannot read " + url + ": HTTP " + r.statusCode());
                    return Optional.empty();
                }
                try (var lines = r.body()) {
                    String date = releaseDate(lines.limit(40).toList());
                    dates.append(url).append(' ').append(date).append('\n');
                }
            } catch (IOException e) {
                progress.accept("cannot read " + url + ": " + e.getMessage());
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.of(dates.toString());
    }

    /** The value of the Date: field of a Release file's header. */
    static String releaseDate(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("Date:")) return line.substring(5).trim();
        }
        return "no-date";
    }

    /** The newest media built before for the same suite, mirrors and packages. */
    Optional<Path> earlierBuild() {
        try (var dirs = ScriptedMedia.builtBefore(cacheDir, NAME, ISO_NAME)) {
            List<Path> all = new ArrayList<>(dirs.toList());
            for (Path dir : all) {
                Path keyFile = dir.resolve(KEY_FILE);
                if (Files.isRegularFile(keyFile) && Files.readString(keyFile).startsWith(options.identity())) return Optional.of(dir);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
