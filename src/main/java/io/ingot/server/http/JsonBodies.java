package io.ingot.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.ingot.util.UserError;

import java.nio.charset.StandardCharsets;

/**
 * Request bodies read strictly into records: wrong types ({@code {"revoked": "yes"}}, {@code {"version": 1.5}}),
 * explicit nulls, unknown fields, a key given twice, a body that is not an object ({@code null}, {@code [true]}) and anything after
 * the JSON value are refused with a 400 that shows the expected shape. An empty body reads as {@code {}}.
 */
public final class JsonBodies {
    private static final ObjectMapper STRICT = strict();

    private static ObjectMapper strict() {
        JsonMapper m = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // no number or boolean where a name is expected, no number where a boolean is
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean}) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return m;
    }

    private JsonBodies() { }

    /**
     * @param shape the expected body as the docs write it, e.g. {@code {"version": N}}, for the error message
     */
    public static <T> T read(byte[] body, Class<T> type, String shape) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) text = "{}";
        try {
            JsonNode tree = STRICT.readTree(text);
            if (tree == null || !tree.isObject()) throw new UserError("body must be " + shape + ", not " + (tree == null ? "empty" : tree.getNodeType().name().toLowerCase()));
            // a field given as null is refused like a wrong type; a field left out takes its default
            tree.fields().forEachRemaining(f -> {
                if (f.getValue().isNull()) throw new UserError("body must be " + shape + ": \"" + f.getKey() + "\" is null");
            });
            return STRICT.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw new UserError("body must be " + shape + ": unknown field \"" + e.getPropertyName() + "\"");
        } catch (MismatchedInputException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
            throw new UserError("body must be " + shape + ": "
                    + (field != null ? "\"" + field + "\" has the wrong type" : "more after the JSON value"));
        } catch (InputCoercionException e) {
            throw new UserError("body must be " + shape + ": a number out of range");
        } catch (JsonProcessingException e) {
            throw new UserError("body must be " + shape + ": not JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
