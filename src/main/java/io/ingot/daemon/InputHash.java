package io.ingot.daemon;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.Recipe;

import java.io.IOException;
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
 * its provisioner scripts and file sources, and its media (checksum or source). {@code when: changed}
 * rebuilds only when this differs from the hash of the last successful build.
 */
public final class InputHash {
    private InputHash() { }

    public static String of(LoadedRecipe loaded) throws IOException {
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
        if (r.media() != null) {
            for (Recipe.Source s : new Recipe.Source[] {r.media().iso(), r.media().kernel(), r.media().initrd()}) {
                if (s != null) add(d, "media", String.valueOf(s.checksum() != null ? s.checksum() : s).getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(d.digest());
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
