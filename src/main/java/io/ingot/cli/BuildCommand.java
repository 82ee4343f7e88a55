package io.ingot.cli;

import io.ingot.media.MirrorChooser;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.OnError;
import io.ingot.pipeline.stage.StandardStages;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import io.ingot.recipe.RecipePaths;
import io.ingot.recipe.RecipeValidator;
import io.ingot.util.IngotPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build a template from a recipe.",
                "Boots the installation media, types the boot command, serves the answer",
                "files, waits for the install, provisions over SSH, seals, shuts down,",
                "converts, verifies and publishes. Progress and each stage's duration go",
                "to the console and to images/.builds/<recipe>/<build-id>/build.log."})
public class BuildCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RECIPE", description = "The recipe file, e.g. recipes/tiny-linux.yaml.")
    Path recipe;

    @Option(names = "--var", paramLabel = "NAME=VALUE", description = "Override a recipe variable (repeatable).")
    Map<String, String> variables = new LinkedHashMap<>();

    @Option(names = "--on-error", paramLabel = "MODE", defaultValue = "cleanup",
            description = {"What a failed build leaves: cleanup (default: stop QEMU, remove disks, keep logs), abort (leave "
                    + "everything as it is, QEMU running, and print where), keep (stop QEMU, keep the VM disk and "
                    + "logs)."})
    OnError onError;

    @Option(names = "--vnc", description = {"Give the build VMs a VNC display on 127.0.0.1 and print its address (watch the installer; the "
            + "screen is also saved as screen.png)."})
    boolean vnc;

    @Option(names = "--allow-path", paramLabel = "DIR",
            description = "Let the files the recipe names (source, script, http.directory, media paths) be in DIR too "
                    + "(repeatable); by default they must be inside the recipe's folder.")
    List<Path> allowPaths = List.of();

    @Override
    public Integer call() throws Exception {
        IngotPaths paths = IngotPaths.fromEnvironment();
        LoadedRecipe loaded = new RecipeLoader(new RecipeValidator(new RecipePaths(allowPaths))).load(recipe, variables);
        // ingot's own media need a Debian archive: a host without one is told what to set before anything starts
        MirrorChooser.ofHost().forRecipe(loaded.recipe());
        BuildOptions options = new BuildOptions(onError, System.out, vnc);
        try (BuildEngine engine = new BuildEngine(StandardStages.of(paths))) {
            BuildContext build = engine.runner(paths).run(loaded, options);
            if (build.failure() != null) throw new BuildFailed(build.failure().getMessage());
            return 0;
        }
    }
}
