package io.ingot.recipe;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.ingot.util.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a recipe: validates it (every problem at once), then binds it to {@link Recipe}. */
public final class RecipeLoader {
    private final RecipeValidator validator;
    private final ObjectMapper yaml;

    public RecipeLoader() {
        this(new RecipeValidator());
    }

    public RecipeLoader(RecipeValidator validator) {
        this.validator = validator;
        // is-getters off: helpers such as Media.isIso() would clash with the record accessors
        this.yaml = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // the validator reports it first, with both lines
                .disable(MapperFeature.AUTO_DETECT_IS_GETTERS)
                .build();
    }

    /**
     * @param varOverrides {@code --var name=value} pairs; a name the recipe does not declare is a problem
     * @throws RecipeInvalid with every problem when the recipe (or an answer file it uses) is invalid
     */
    public LoadedRecipe load(Path file, Map<String, String> varOverrides) {
        List<Problem> problems = validator.validate(file, varOverrides);
        if (!problems.isEmpty()) throw new RecipeInvalid(problems);
        byte[] bytes;
        Recipe recipe;
        try {
            bytes = Files.readAllBytes(file);
            recipe = yaml.readValue(bytes, Recipe.class);
        } catch (JsonProcessingException e) {
            // the validator should have caught it; still a user problem with a position, not a stack trace
            JsonLocation at = e.getLocation();
            throw new RecipeInvalid(List.of(new Problem(file, at == null ? 0 : at.getLineNr(),
                    at == null ? 0 : at.getColumnNr(), e.getOriginalMessage())));
        } catch (IOException e) {
            throw new RecipeInvalid(List.of(new Problem(file, 0, 0, "cannot read: " + e.getMessage())));
        }
        Map<String, String> variables = RecipeValidator.variableValues(recipe, varOverrides);
        Set<String> sensitive = new LinkedHashSet<>();
        recipe.variables().forEach((k, v) -> {
            String value = variables.get(k);
            if (v.isSensitive() && value != null && !value.isEmpty()) sensitive.add(value);
        });
        Path abs = file.toAbsolutePath().normalize();
        return new LoadedRecipe(file, abs.getParent(), recipe, variables, sensitive, Sha256.of(bytes));
    }

}
