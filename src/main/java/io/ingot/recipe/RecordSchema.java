package io.ingot.recipe;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The recipe's structure read from the {@link Recipe} records by reflection, so the model is the one source of truth. */
final class RecordSchema {
    /** Every key path of the model, in declaration order (the order "did you mean" searches). */
    private static final Map<String, Class<?>> ALL_PATHS = Collections.unmodifiableMap(collectPaths(Recipe.class, "", new LinkedHashMap<>()));

    private RecordSchema() { }

    /** Every key path of the recipe model ({@code machine.disk.interface}, ...), in declaration order. */
    static Set<String> keyPaths() {
        return ALL_PATHS.keySet();
    }

    /** The record's components by YAML key ({@code @JsonProperty} name where given). */
    static Map<String, RecordComponent> components(Class<?> record) {
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : record.getRecordComponents()) {
            JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
            if (p == null) {
                try {
                    p = record.getDeclaredField(c.getName()).getAnnotation(JsonProperty.class);
                } catch (NoSuchFieldException e) {
                    throw new IllegalStateException(e);
                }
            }
            byKey.put(p != null && !p.value().isEmpty() ? p.value() : c.getName(), c);
        }
        return byKey;
    }

    private static Map<String, Class<?>> collectPaths(Class<?> record, String prefix, Map<String, Class<?>> into) {
        components(record).forEach((key, c) -> {
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            Class<?> raw = rawClass(c.getGenericType());
            Class<?> inner = raw == List.class ? rawClass(typeArgument(c.getGenericType(), 0))
                    : raw == Map.class ? rawClass(typeArgument(c.getGenericType(), 1)) : raw;
            into.put(path, inner);
            if (inner.isRecord()) collectPaths(inner, path, into);
        });
        return into;
    }

    static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalStateException("unsupported type " + type);
    }

    static Type typeArgument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }
}
