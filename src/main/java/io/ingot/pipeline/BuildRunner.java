package io.ingot.pipeline;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.util.IngotPaths;
import org.apache.camel.ProducerTemplate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Starts one build: gives it an id and a build directory, then sends it down {@code direct:build}. */
public final class BuildRunner {
    private final IngotPaths paths;
    private final ProducerTemplate producer;
    private final BuildIds ids = new BuildIds();

    public BuildRunner(IngotPaths paths, ProducerTemplate producer) {
        this.paths = paths;
        this.producer = producer;
    }

    public BuildContext run(LoadedRecipe recipe, BuildOptions options) throws IOException {
        return run(recipe, options, newId());
    }

    /** A fresh build id: time of day plus random hex. */
    public String newId() {
        return ids.next();
    }

    /** Runs a build under an id chosen beforehand (the daemon's queue hands out ids when a build is submitted). */
    public BuildContext run(LoadedRecipe recipe, BuildOptions options, String id) throws IOException {
        return run(recipe, options, id, build -> { });
    }

    /** The same, telling {@code started} the build's context before its first stage (a worker follows its stages). */
    public BuildContext run(LoadedRecipe recipe, BuildOptions options, String id, Consumer<BuildContext> started) throws IOException {
        Path dir = paths.builds().resolve(recipe.recipe().name()).resolve(id);
        Files.createDirectories(dir);
        // first: a build directory without a live owner is one the recovery step cleans up
        BuildOwner.current().write(dir);
        try (BuildLog log = new BuildLog(dir.resolve("build.log"), options.console(), recipe::mask)) {
            BuildContext build = new BuildContext(id, recipe, options, paths, dir, log);
            log.stage("build " + id + " of " + recipe.file() + " in " + dir);
            started.accept(build);
            producer.sendBody("direct:build", build);
            return build;
        }
    }
}
