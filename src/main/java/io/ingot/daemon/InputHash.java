package io.ingot.daemon;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.Recipe;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a build is made from, as one sha256: the recipe file, every file of its answer-file directory,
 * its provisioner scripts and file sources, and its media: the checksum the media must have, which for a
 * {@code file:} checksum list is the value the list gives for the media file now (a new SHA256SUMS with a new
 * ISO changes it; the list's URL does not); for a recipe made {@code from} a template, the version that resolves
 * to and its sha256 (moving the parent's channel changes it). {@code when: changed} rebuilds only when this differs from the
 * hash of the last successful build, taken when that build started.
 */
public final class InputHash {
    /**
     * Resolves a {@code file:<url>} checksum list to the checksum it gives for the media file at {@code media}
     * (its URL, or null for a path; MediaFetcher::expected), and names what builtin media would be built from.
     */
    public interface ChecksumLists {
        String resolve(String checksum, String fileName, URI media) throws IOException, InterruptedException;

        /** What a builtin medium depends on now (for debianinstall: the archive's Release dates too). */
        default String builtin(Recipe.Source s) {
            return String.valueOf(s);
        }

        /** The version a recipe's {@code from} resolves to now, with its base image's sha256 (a moved channel changes it). */
        default String parent(String from) {
            return from;
        }
    }

    private InputHash() { }

    public static String of(LoadedRecipe loaded, ChecksumLists lists) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Recipe r = loaded.recipe();
        add(d, "recipe", Files.readAllBytes(loaded.file()));
        if (r.http() != null && r.http().directory() != null) addTree(d, loaded.resolve(r.http().directory()));
        for (Recipe.Provisioner p : r.provisioners() == null ? List.<Recipe.Provisioner>of() : r.provisioners()) {
            if (p.script() != null) addTree(d, loaded.resolve(p.script()));
            if (p.source() != null) addTree(d, loaded.resolve(p.source()));
        }
        if (r.from() != null) add(d, "from", lists.parent(r.from()).getBytes(StandardCharsets.UTF_8));
        if (r.media() != null) {
            for (Recipe.Source s : new Recipe.Source[] {r.media().iso(), r.media().kernel(), r.media().initrd(), r.media().disk()}) {
                if (s != null) add(d, "media", media(s, lists).getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** The identity of one media file: its checksum (resolved from a list), or the builtin's name. */
    static String media(Recipe.Source s, ChecksumLists lists) {
        if (s.builtin() != null) return lists.builtin(s);
        if (s.checksum() == null) return String.valueOf(s);
        if (!s.checksum().startsWith("file:")) return s.checksum();
        try {
            return lists.resolve(s.checksum(), fileName(s), s.url() != null ? URI.create(s.url()) : null);
        } catch (IOException | UserError e) {
            // the build itself will fail on it and say why; meanwhile this hash differs from any built one
            return "unresolved " + s.checksum() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unresolved " + s.checksum();
        }
    }

    private static String fileName(Recipe.Source s) {
        String p = s.url() != null ? URI.create(s.url()).getPath() : s.path();
        Path name = p == null ? null : Path.of(p).getFileName();
        return name == null ? "" : name.toString();
    }

    private static void addTree(MessageDigest d, Path root) throws IOException {
        if (!Files.exists(root)) {
            add(d, "missing:" + root, new byte[0]);
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                add(d, root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
    }

    private static void add(MessageDigest d, String label, byte[] content) {
        d.update(label.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(Long.toString(content.length).getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(content);
    }
}
