package io.ingot.recipe;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;

/**
 * A validated recipe and what a build needs around it.
 *
 * @param file            the recipe file as given
 * @param dir             the recipe's folder; relative paths in the recipe resolve against it
 * @param variables       every variable's value: defaults merged with {@code --var} overrides
 * @param sensitiveValues values of variables marked {@code sensitive}, masked wherever text is printed
 * @param contentHash     sha256 (hex) of the recipe file's bytes
 */
public record LoadedRecipe(Path file, Path dir, Recipe recipe, Map<String, String> variables,
                           Set<String> sensitiveValues, String contentHash) {

    public LoadedRecipe {
        variables = Map.copyOf(variables);
        sensitiveValues = Set.copyOf(sensitiveValues);
    }

    /** A path written in the recipe, relative to the recipe's folder (absolute paths stay as they are). */
    public Path resolve(String relativePath) {
        return dir.resolve(relativePath).normalize();
    }

    /** {@code text} with every sensitive value replaced by {@code ****}. */
    public String mask(String text) {
        if (text == null) return null;
        String masked = text;
        // longest first, so a value that contains another is masked whole
        for (String secret : sensitiveValues.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            if (!secret.isEmpty()) masked = masked.replace(secret, "****");
        }
        return masked;
    }
}
