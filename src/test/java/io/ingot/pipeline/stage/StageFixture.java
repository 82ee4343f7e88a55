package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildLog;
import io.ingot.pipeline.BuildOptions;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import io.ingot.util.IngotPaths;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A build context for one stage: a recipe written from YAML text, a build directory, a log to read back. */
final class StageFixture {
    final BuildContext build;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    StageFixture(Path dir, String recipeYaml) throws Exception {
        Path file = dir.resolve("recipe.yaml");
        Files.writeString(file, recipeYaml);
        LoadedRecipe recipe = new RecipeLoader().load(file, Map.of());
        IngotPaths paths = new IngotPaths(dir, dir.resolve("images"), dir.resolve("cache"), dir.resolve("state"));
        Path buildDir = dir.resolve("build");
        BuildLog log = new BuildLog(buildDir.resolve("build.log"), new PrintStream(console, true, StandardCharsets.UTF_8), s -> s);
        build = new BuildContext("test-1", recipe, new BuildOptions(null, null), paths, buildDir, log);
    }

    String log() {
        return console.toString(StandardCharsets.UTF_8);
    }
}
