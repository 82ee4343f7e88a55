package io.ingot.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Renders every {@code ${...}} in a bound recipe with the build's model: the same strings the
 * validator checks (all text except {@code name} and {@code variables}), so what validates is what runs.
 */
public final class RecipeInterpolator {
    // is-getters off, as in RecipeLoader: Media.isIso() must not become a property
    private static final ObjectMapper JSON = JsonMapper.builder().disable(MapperFeature.AUTO_DETECT_IS_GETTERS).build();

    private RecipeInterpolator() { }

    public static Recipe interpolate(Recipe recipe, Map<String, ?> model) {
        ObjectNode tree = JSON.valueToTree(recipe);
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("name") || field.getKey().equals("variables")) continue;
            field.setValue(render(field.getValue(), model));
        }
        try {
            return JSON.treeToValue(tree, Recipe.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("interpolated recipe does not bind: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode render(JsonNode node, Map<String, ?> model) {
        if (node.isTextual()) {
            String text = node.asText();
            return text.contains("${") ? TextNode.valueOf(Interpolation.render(text, model)) : node;
        }
        if (node instanceof ObjectNode obj) {
            obj.fields().forEachRemaining(f -> f.setValue(render(f.getValue(), model)));
        } else if (node instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) arr.set(i, render(arr.get(i), model));
        }
        return node;
    }
}
