package io.ingot.daemon;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import io.ingot.recipe.RecipePaths;
import io.ingot.recipe.RecipeValidator;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The recipes the daemon serves: every {@code *.yaml} of one directory, read afresh each time (edits count). */
public final class Recipes {
    private static final Logger LOG = LoggerFactory.getLogger(Recipes.class);
    private final Path dir;
    private final RecipeLoader loader;

    public Recipes(Path dir) {
        this(dir, RecipePaths.recipeFolderOnly());
    }

    /** @param paths where the files a recipe names may be (daemon.yaml's allowPaths) */
    public Recipes(Path dir, RecipePaths paths) {
        this.dir = dir;
        this.loader = new RecipeLoader(new RecipeValidator(paths));
    }

    public Path dir() { return dir; }

    /** Every valid recipe; invalid ones are logged and left out. */
    public List<LoadedRecipe> all() {
        List<LoadedRecipe> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
                try {
                    out.add(loader.load(f, Map.of()));
                } catch (UserError e) {
                    LOG.warn("recipe {} skipped: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list recipes in {}: {}", dir, e.getMessage());
        }
        return out;
    }

    /** The recipe named {@code name}, loaded now. */
    public LoadedRecipe get(String name) {
        for (LoadedRecipe r : all()) if (r.recipe().name().equals(name)) return r;
        throw new NotFound("no recipe named '" + name + "' in " + dir);
    }
}
