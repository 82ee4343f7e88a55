package io.ingot.daemon;

import io.ingot.recipe.Problem;
import io.ingot.recipe.RecipeInvalid;
import io.ingot.recipe.RecipeLoader;
import io.ingot.util.UserError;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each recipe of the daemon's recipes folder as last validated: the {@code recipes-watch} route
 * (routes/daemon.camel.yaml, camel-file) calls {@link #changed} for every new or changed recipe file, so an
 * edit that breaks a recipe shows on the page and in {@code GET /api/recipes} at once, not at the next build.
 */
public final class RecipeWatch {
    private static final Logger LOG = LoggerFactory.getLogger(RecipeWatch.class);

    /** One problem at a 1-based line and column (0 when the problem has no position). */
    public record Finding(int line, int column, String message) { }

    /** A recipe file: its name in the recipe if it has one, whether it is valid, and why not. */
    public record Status(String file, String name, boolean valid, List<Finding> problems, Instant checked) { }

    private final Path dir;
    private final RecipeLoader loader = new RecipeLoader();
    private final Map<Path, Status> statuses = new ConcurrentHashMap<>();

    public RecipeWatch(Path dir) {
        this.dir = dir;
    }

    /** Validates one recipe file now (the route gives its absolute path). */
    public Status changed(@Header("CamelFileAbsolutePath") String path) {
        Path file = Path.of(path);
        Status s;
        try {
            var loaded = loader.load(file, Map.of());
            s = new Status(relative(file), loaded.recipe().name(), true, List.of(), Instant.now());
            LOG.info("recipe {} is valid", s.file());
        } catch (RecipeInvalid e) {
            List<Finding> f = e.problems().stream().map(RecipeWatch::finding).toList();
            s = new Status(relative(file), null, false, f, Instant.now());
            LOG.warn("recipe {} is not valid:\n{}", s.file(), e.getMessage());
        } catch (UserError e) {
            s = new Status(relative(file), null, false, List.of(new Finding(0, 0, e.getMessage())), Instant.now());
            LOG.warn("recipe {} is not valid: {}", s.file(), e.getMessage());
        }
        statuses.put(file, s);
        return s;
    }

    /** Every recipe file seen and still there, by file name. */
    public List<Status> list() {
        statuses.keySet().removeIf(f -> !Files.isRegularFile(f));
        List<Status> out = new ArrayList<>(statuses.values());
        out.sort(Comparator.comparing(Status::file));
        return out;
    }

    private String relative(Path file) {
        return file.startsWith(dir) ? dir.relativize(file).toString() : file.toString();
    }

    private static Finding finding(Problem p) {
        return new Finding(p.line(), p.column(), p.message());
    }
}
