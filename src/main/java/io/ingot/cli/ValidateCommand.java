package io.ingot.cli;

import io.ingot.recipe.Problem;
import io.ingot.recipe.RecipePaths;
import io.ingot.recipe.RecipeValidator;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ingot validate}: checks recipes without building anything (no Camel context, no QEMU). */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {
                "Check recipes and report every problem as file:line:column: message.",
                "Checks keys, types, allowed values, durations, sizes, checksums, boot commands, cron "
                        + "schedules, referenced files, FreeMarker answer files (*.ftl) and $${...} variables, "
                        + "and the RAM-template rules. Prints 'RECIPE: ok' for each valid recipe.",
                "Exit status: 0 when every recipe is valid, 2 otherwise."})
public class ValidateCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "RECIPE", description = "Recipe files (YAML).")
    List<Path> recipes;

    @Option(names = "--var", paramLabel = "NAME=VALUE",
            description = "Give a recipe variable a value (repeatable); the recipe must declare it.")
    List<String> vars = List.of();

    @Option(names = "--allow-path", paramLabel = "DIR",
            description = "Let the files a recipe names (source, script, http.directory, media paths) be in DIR too "
                    + "(repeatable); by default they must be inside the recipe's folder.")
    List<Path> allowPaths = List.of();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, String> overrides = parseVars(vars);
        PrintWriter out = spec.commandLine().getOut();
        RecipeValidator validator = new RecipeValidator(new RecipePaths(allowPaths));
        boolean allValid = true;
        for (Path recipe : recipes) {
            List<Problem> problems = validator.validate(recipe, overrides);
            if (problems.isEmpty()) {
                out.println(recipe + ": ok");
            } else {
                allValid = false;
                problems.forEach(p -> out.println(p.format()));
            }
        }
        out.flush();
        return allValid ? 0 : 2;
    }

    /** {@code NAME=VALUE} arguments of {@code --var}, shared with the build command. */
    public static Map<String, String> parseVars(List<String> vars) {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String v : vars) {
            int eq = v.indexOf('=');
            if (eq <= 0) throw new UserError("--var " + v + ": expected NAME=VALUE");
            overrides.put(v.substring(0, eq), v.substring(eq + 1));
        }
        return overrides;
    }
}
