package io.ingot.media;

import io.ingot.recipe.Recipe;
import io.ingot.util.FreeSpace;
import io.ingot.util.LimitedRead;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Resolves one media file of a recipe to a local, verified path: a {@code path} is verified where it is;
 * a {@code url} is downloaded once into the cache (resuming a partial download) and verified; a
 * {@code builtin} is built by the function given (tinyinstall) and its checksum computed.
 */
public final class MediaFetcher {
    public record Fetched(Path file, String checksum) { }

    /** The most a downloaded file may be, and the setting that says so (for the refusal). */
    public record Limit(long bytes, String what) { }

    /** The most a checksum list (SHA256SUMS) may hold. */
    static final int CHECKSUM_LIST = 4 << 20;

    private final Path cache;
    private final HttpClient http;
    private final Consumer<String> progress;
    private final Function<Recipe.Source, Path> builtins;

    public MediaFetcher(Path cache, Consumer<String> progress, Function<Recipe.Source, Path> builtins) {
        this.cache = cache;
        this.progress = progress;
        this.builtins = builtins;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
    }

    public Fetched fetch(Recipe.Source source, Path recipeDir) throws IOException, InterruptedException {
        return fetch(source, recipeDir, null);
    }

    /** {@code limit}: the most the file may be (media.disk: the import limit), checked before it is downloaded (null: none). */
    public Fetched fetch(Recipe.Source source, Path recipeDir, Limit limit) throws IOException, InterruptedException {
        if (source.builtin() != null) {
            Path built = builtins.apply(source);
            return new Fetched(built, Checksum.sha256(built).toString());
        }
        if (source.path() != null) {
            Path file = recipeDir.resolve(source.path()).normalize();
            if (!Files.isRegularFile(file)) throw new UserError("media file not found: " + file);
            return new Fetched(file, verify(file, source.checksum(), file.getFileName().toString(), null).toString());
        }
        URI uri = URI.create(source.url());
        String fileName = Path.of(uri.getPath()).getFileName().toString();
        if ("file".equals(uri.getScheme())) {
            Path file = Path.of(uri);
            return new Fetched(file, verify(file, source.checksum(), fileName, uri).toString());
        }
        Checksum expected = expected(source.checksum(), fileName, uri);
        Path dir = cache.resolve("downloads").resolve(expected.hex().substring(0, 16));
        Path target = dir.resolve(fileName);
        if (Files.isRegularFile(target) && expected.matches(target)) {
            progress.accept("using cached " + target);
            return new Fetched(target, expected.toString());
        }
        Files.createDirectories(dir);
        Path part = dir.resolve(fileName + ".part");
        download(uri, part, limit);
        if (!expected.matches(part)) {
            Files.deleteIfExists(part);
            throw new UserError("checksum mismatch for " + uri + ": expected " + expected);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        progress.accept("verified " + expected.algorithm() + " of " + fileName);
        return new Fetched(target, expected.toString());
    }

    private Checksum verify(Path file, String checksum, String fileName, URI media) throws IOException, InterruptedException {
        Checksum expected = expected(checksum, fileName, media);
        if (!expected.matches(file)) throw new UserError("checksum mismatch for " + file + ": expected " + expected);
        progress.accept("verified " + expected.algorithm() + " of " + file);
        return expected;
    }

    /** {@code sha256:<hex>}, {@code sha512:<hex>}, or {@code file:<url>} of a SHA256SUMS / SHA512SUMS list. */
    public Checksum expected(String checksum, String fileName) throws IOException, InterruptedException {
        return expected(checksum, fileName, null);
    }

    /**
     * As above; {@code media} (the file's URL, when it has one) finds its line in a checksum list by its
     * path relative to the list's folder, as the list writes it ({@code ./netboot/.../initrd.gz}).
     */
    public Checksum expected(String checksum, String fileName, URI media) throws IOException, InterruptedException {
        if (checksum == null) throw new UserError("media " + fileName + " has no checksum");
        if (!checksum.startsWith("file:")) return Checksum.parse(checksum);
        String listUrl = checksum.substring("file:".length());
        String algo = listUrl.toUpperCase().contains("SHA512") ? "sha512" : "sha256";
        String list = fetchText(URI.create(listUrl));
        return new Checksum(algo, ChecksumList.parse(list, listUrl).find(relativePath(URI.create(listUrl), media), fileName));
    }

    /** The media URL's path below the checksum list's folder, or null when it is not below it. */
    static String relativePath(URI list, URI media) {
        if (media == null || list.getPath() == null || media.getPath() == null) return null;
        String listDir = list.getPath().substring(0, list.getPath().lastIndexOf('/') + 1);
        boolean sameServer = Objects.equals(list.getHost(), media.getHost());
        return sameServer && media.getPath().startsWith(listDir) ? media.getPath().substring(listDir.length()) : null;
    }

    private String fetchText(URI uri) throws IOException, InterruptedException {
        if ("file".equals(uri.getScheme())) return Files.readString(Path.of(uri));
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            r.body().close();
            throw new UserError("cannot fetch " + uri + ": HTTP " + r.statusCode());
        }
        // Debian's lists are a few KiB; whatever does not end is not one
        return new String(LimitedRead.read(r.body(), CHECKSUM_LIST, uri.toString(), "a checksum list is never that large"), StandardCharsets.UTF_8);
    }

    /**
     * Downloads into {@code part}, resuming from its current size with a Range request. An announced length
     * over {@code limit} or the free space is refused before the body is read, and what an earlier try left removed.
     */
    private void download(URI uri, Path part, Limit limit) throws IOException, InterruptedException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET();
        if (have > 0) req.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        boolean resumed = r.statusCode() == 206;
        if (r.statusCode() != 200 && !resumed) {
            r.body().close();
            throw new UserError("cannot download " + uri + ": HTTP " + r.statusCode());
        }
        if (!resumed) have = 0;
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (length >= 0) {
            try {
                if (limit != null && length + have > limit.bytes()) {
                    throw new UserError(uri + " is " + (length + have) + " bytes, over " + limit.what() + " (nothing downloaded)");
                }
                FreeSpace.require(uri.toString(), length, part.getParent());
            } catch (UserError e) {
                r.body().close();
                Files.deleteIfExists(part);
                throw e;
            }
        }
        long total = length + (resumed ? have : 0);
        progress.accept((resumed ? "resuming " : "downloading ") + uri + (total > 0 ? " (" + total / (1 << 20) + " MiB)" : ""));
        long started = System.nanoTime();
        long done = have;
        int lastPercent = -1;
        try (InputStream in = r.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE,
                     resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                if (total > 0) {
                    int percent = (int) (done * 100 / total);
                    if (percent / 5 != lastPercent / 5) {
                        lastPercent = percent;
                        double secs = Math.max(0.001, (System.nanoTime() - started) / 1e9);
                        progress.accept(String.format("%3d%% %s %d/%d MiB, %.1f MiB/s", percent,
                                bar(percent), done >> 20, total >> 20, (done - have) / secs / (1 << 20)));
                    }
                }
            }
        }
    }

    private static String bar(int percent) {
        int filled = percent / 5;
        return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
    }
}
