package io.ingot.recipe;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a recipe file and reports every problem at once, each with its line and column.
 *
 * <p>The checks run in this order, and problems at the same place keep it: the variables for ${...}
 * ({@link InterpolationModel}), the structure along the {@link Recipe} records ({@link SchemaWalker}),
 * which hands each text value to {@link ValueChecks} (the field's rule from {@link FieldRules}, the file
 * it names from {@link FileChecks}, the answer files from {@link AnswerFileChecks}), and last the rules
 * between fields ({@link CrossChecks}).
 */
public final class RecipeValidator {
    private final FieldRules rules = new FieldRules();
    private final CrossChecks crossChecks = new CrossChecks(new RamTemplateRules());
    private final FileChecks files;

    /** A validator for which the files a recipe names must be inside the recipe's folder. */
    public RecipeValidator() {
        this(RecipePaths.recipeFolderOnly());
    }

    /** @param paths where the files a recipe names may be */
    public RecipeValidator(RecipePaths paths) {
        this.files = new FileChecks(paths);
    }

    /** Validates a recipe file; {@code overrides} are the {@code --var} values. Never throws for a bad recipe. */
    public List<Problem> validate(Path file, Map<String, String> overrides) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of(new Problem(file, 0, 0, "no such file"));
        } catch (IOException e) {
            return List.of(new Problem(file, 0, 0, "cannot read: " + e.getMessage()));
        }
        return validate(file, RecipeYaml.read(file, bytes), overrides);
    }

    /** Validates recipe {@code text} as if read from {@code file} (relative paths resolve against its folder). */
    public List<Problem> validate(Path file, String text, Map<String, String> overrides) {
        return validate(file, RecipeYaml.compose(file, text), overrides);
    }

    private List<Problem> validate(Path file, RecipeYaml.Read read, Map<String, String> overrides) {
        if (read.problem() != null) return List.of(read.problem());
        ProblemList problems = new ProblemList(file, read.text());
        Node root = read.root();
        if (root == null) {
            problems.add(1, 1, "the recipe is empty (it needs at least name and media)");
        } else if (!(root instanceof MappingNode mapping)) {
            problems.at(root, "a recipe is a mapping of keys (name, media, ...), got " + YamlNodes.kind(root));
        } else {
            InterpolationModel model = new InterpolationModel(mapping, overrides, problems);
            ValueChecks values = new ValueChecks(problems, model, rules, files, new AnswerFileChecks(problems, model));
            new SchemaWalker(problems, values).walk(mapping);
            crossChecks.check(mapping, problems);
        }
        return problems.sorted();
    }

    /** Every key path of the recipe model ({@code machine.disk.interface}, ...), from the records. */
    public static Set<String> keyPaths() {
        return RecordSchema.keyPaths();
    }

    /** Every variable's value (override, else default); null when it has none. Only for valid recipes. */
    static Map<String, String> variableValues(Recipe recipe, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        recipe.variables().forEach((k, v) -> values.put(k, overrides.getOrDefault(k, v.defaultValue())));
        return values;
    }
}
