package io.ingot.pipeline;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.util.IngotPaths;
import org.apache.camel.ProducerTemplate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/** Starts one build: gives it an id and a build directory, then sends it down {@code direct:build}. */
public final class BuildRunner {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final IngotPaths paths;
    private final ProducerTemplate producer;
    private final SecureRandom random = new SecureRandom();

    public BuildRunner(IngotPaths paths, ProducerTemplate producer) {
        this.paths = paths;
        this.producer = producer;
    }

    public BuildContext run(LoadedRecipe recipe, BuildOptions options) throws IOException {
        return run(recipe, options, newId());
    }

    /** A fresh build id: time of day plus random hex. */
    public String newId() {
        return LocalDateTime.now().format(ID_TIME) + "-" + HexFormat.of().formatHex(random.generateSeed(3));
    }

    /** Runs a build under an id chosen beforehand (the daemon's queue hands out ids when a build is submitted). */
    public BuildContext run(LoadedRecipe recipe, BuildOptions options, String id) throws IOException {
        Path dir = paths.builds().resolve(recipe.recipe().name()).resolve(id);
        Files.createDirectories(dir);
        // first: a build directory without a live owner is one the recovery step cleans up
        BuildOwner.current().write(dir);
        try (BuildLog log = new BuildLog(dir.resolve("build.log"), options.console(), recipe::mask)) {
            BuildContext build = new BuildContext(id, recipe, options, paths, dir, log);
            log.stage("build " + id + " of " + recipe.file() + " in " + dir);
            producer.sendBody("direct:build", build);
            return build;
        }
    }
}
