package io.ingot.fleet;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.Recipe;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A recipe as it travels in a build request: the recipe file and every file it names (answer files, provisioner
 * scripts and sources, media given by path), zipped with their paths relative to the folder that holds them all,
 * so a worker on another host builds exactly what the daemon hashed when it queued the build.
 */
public final class RecipeBundle {
    /** A build request is one message: media this large belong at a URL. */
    public static final long MAX_BYTES = 64L << 20;
    /** The entry listing the files that were executable (zip entries carry no mode). */
    private static final String EXECUTABLES = ".ingot-executables";

    private RecipeBundle() { }

    /** What a bundle holds: the zip (base64) and the recipe file's path inside it. */
    public record Packed(String base64, String recipeFile) { }

    public static Packed pack(LoadedRecipe loaded) throws IOException {
        Path recipeFile = loaded.file().toAbsolutePath().normalize();
        List<Path> named = new ArrayList<>();
        Recipe r = loaded.recipe();
        if (r.http() != null && r.http().directory() != null) named.add(loaded.resolve(r.http().directory()));
        for (Recipe.Provisioner p : r.provisioners()) {
            if (p.script() != null) named.add(loaded.resolve(p.script()));
            if (p.source() != null) named.add(loaded.resolve(p.source()));
        }
        if (r.media() != null) {
            for (Recipe.Source s : new Recipe.Source[] {r.media().iso(), r.media().kernel(), r.media().initrd(), r.media().disk()}) {
                if (s != null && s.path() != null) named.add(loaded.resolve(s.path()));
            }
        }
        // the folder holding the recipe and everything it names (allowPaths may lead above the recipe's own)
        Path root = recipeFile.getParent();
        for (Path p : named) while (!p.toAbsolutePath().normalize().startsWith(root)) root = root.getParent();
        TreeSet<Path> files = new TreeSet<>();
        files.add(recipeFile);
        for (Path p : named) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile).forEach(f -> files.add(f.toAbsolutePath().normalize()));
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p.toAbsolutePath().normalize());
            }
        }
        long total = 0;
        for (Path f : files) total += Files.size(f);
        if (total > MAX_BYTES) {
            throw new UserError("recipe " + r.name() + ": its files come to " + (total >> 20) + " MiB; a build request carries at most "
                    + (MAX_BYTES >> 20) + " MiB (give large media by url)");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringBuilder executables = new StringBuilder();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Path f : files) {
                String name = root.relativize(f).toString();
                zip.putNextEntry(new ZipEntry(name));
                Files.copy(f, zip);
                zip.closeEntry();
                // executable scripts stay executable (file provisioners upload modes as they are)
                if (Files.isExecutable(f)) executables.append(name).append('\n');
            }
            zip.putNextEntry(new ZipEntry(EXECUTABLES));
            zip.write(executables.toString().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return new Packed(Base64.getEncoder().encodeToString(bytes.toByteArray()), root.relativize(recipeFile).toString());
    }

    /**
     * Unpacks into {@code dir} (emptied first) and returns the recipe file. Entries that would land outside
     * {@code dir} are refused.
     */
    public static Path unpack(String base64, String recipeFile, Path dir) throws IOException {
        Trees.delete(dir);
        Files.createDirectories(dir);
        Path top = dir.toAbsolutePath().normalize();
        String executables = "";
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(base64)))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals(EXECUTABLES)) {
                    executables = new String(zip.readAllBytes(), StandardCharsets.UTF_8);
                    continue;
                }
                Path target = inside(top, e.getName());
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    zip.transferTo(out);
                }
            }
        }
        for (String x : executables.lines().toList()) inside(top, x).toFile().setExecutable(true);
        Path recipe = top.resolve(recipeFile).normalize();
        if (!recipe.startsWith(top) || !Files.isRegularFile(recipe)) throw new IOException("the bundle has no recipe file " + recipeFile);
        return recipe;
    }

    private static Path inside(Path top, String name) throws IOException {
        Path target = top.resolve(name).normalize();
        if (!target.startsWith(top) || target.equals(top)) throw new IOException("bundle entry outside its folder: " + name);
        return target;
    }

}
