package io.ingot.recipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the files a recipe names ({@code source}, {@code script}, {@code http.directory},
 * {@code media.*.path}) may be: inside the recipe's folder, or inside a folder allowed explicitly
 * ({@code --allow-path DIR} on the command line, {@code allowPaths} in the daemon's settings).
 * Otherwise a recipe could upload any host file into an image ({@code ../../etc/shadow}) or serve
 * {@code /etc} to the guest. Symbolic links count where they lead.
 */
public final class RecipePaths {
    static final String ALLOW_HINT = "allow another folder with --allow-path DIR, or allowPaths in daemon.yaml";
    private final List<Path> allowedRoots;

    /** @param allowedRoots folders besides the recipe's own; relative ones are taken from the working directory */
    public RecipePaths(List<Path> allowedRoots) {
        this.allowedRoots = allowedRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    /** Only the recipe's folder. */
    public static RecipePaths recipeFolderOnly() {
        return new RecipePaths(List.of());
    }

    public List<Path> allowedRoots() { return allowedRoots; }

    /**
     * Why the path {@code written} in a recipe in {@code recipeDir} may not be used, or null when it may.
     * Files that do not exist pass here (the caller says they are missing); for a folder, every symbolic
     * link inside it is checked too.
     */
    public String refusal(Path recipeDir, String written) {
        Path path;
        try {
            path = Path.of(written);
        } catch (InvalidPathException e) {
            return Problem.quote(written) + " is not a usable path: " + e.getReason();
        }
        Path dir = recipeDir.toAbsolutePath().normalize();
        Path target = dir.resolve(path).normalize();
        if (path.isAbsolute() && !inAllowedRoot(target)) {
            return Problem.quote(written) + " is an absolute path; paths in a recipe are relative to its folder and stay inside it ("
                    + ALLOW_HINT + ")";
        }
        if (!target.startsWith(dir) && !inAllowedRoot(target)) {
            return Problem.quote(written) + " leaves the recipe's folder; paths in a recipe stay inside it (" + ALLOW_HINT + ")";
        }
        if (!Files.exists(target)) return null;
        List<Path> realRoots = realRoots(dir);
        String outside = outside(target, realRoots);
        if (outside != null) {
            return Problem.quote(written) + " leads to " + outside + " through a symbolic link, outside the recipe's folder ("
                    + ALLOW_HINT + ")";
        }
        if (Files.isDirectory(target)) {
            try (Stream<Path> walk = Files.walk(target)) {
                for (Path p : (Iterable<Path>) walk.filter(Files::isSymbolicLink)::iterator) {
                    outside = outside(p, realRoots);
                    if (outside != null) {
                        return Problem.quote(written) + " holds " + target.relativize(p) + ", a symbolic link to " + outside
                                + ", outside the recipe's folder (" + ALLOW_HINT + ")";
                    }
                }
            } catch (IOException | RuntimeException e) {
                return "cannot read the folder " + Problem.quote(written) + ": " + e.getMessage();
            }
        }
        return null;
    }

    private boolean inAllowedRoot(Path target) {
        return allowedRoots.stream().anyMatch(target::startsWith);
    }

    /** The recipe's folder and the allowed folders, with their own symbolic links resolved. */
    private List<Path> realRoots(Path dir) {
        List<Path> roots = new ArrayList<>();
        for (Path root : Stream.concat(Stream.of(dir), allowedRoots.stream()).toList()) {
            try {
                roots.add(root.toRealPath());
            } catch (IOException e) {
                roots.add(root); // a missing allowed folder holds nothing
            }
        }
        return roots;
    }

    /** Where {@code p} really leads when that is outside every root, else null (also for a dangling link). */
    private static String outside(Path p, List<Path> realRoots) {
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            return null;
        }
        return realRoots.stream().anyMatch(real::startsWith) ? null : real.toString();
    }
}
