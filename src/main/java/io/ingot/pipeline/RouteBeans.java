package io.ingot.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.camel.spi.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The beans route files name ({@code bean: { ref: NAME }}, a {@code bean} parameter of a templated route,
 * {@code "#NAME"} in an option), checked against the names bound before Camel starts a route: a route naming
 * a bean nobody bound fails the start with the file and the name, instead of at its first message.
 */
public final class RouteBeans {
    private static final Pattern HASH_REF = Pattern.compile("#(?:bean:)?([A-Za-z][A-Za-z0-9_]*)");
    private static final YAMLMapper YAML = new YAMLMapper();

    private RouteBeans() {
    }

    /** Bean name -> the first route file that names it. */
    public static Map<String, String> named(Collection<Resource> routes) throws IOException {
        Map<String, String> names = new TreeMap<>();
        for (Resource r : routes) {
            try (InputStream in = r.getInputStream()) {
                collect(YAML.readTree(in), fileName(r.getLocation()), names);
            }
        }
        return names;
    }

    /** Throws naming the first bean the routes name that is not among {@code bound}. */
    public static void check(Map<String, String> named, Set<String> bound) {
        for (Map.Entry<String, String> e : named.entrySet()) {
            if (!bound.contains(e.getKey())) {
                throw new IllegalStateException(e.getValue() + " names the bean '" + e.getKey() + "', which is not bound (bound: "
                        + String.join(", ", new TreeSet<>(bound)) + ")");
            }
        }
    }

    private static void collect(JsonNode node, String file, Map<String, String> names) {
        if (node == null) return;
        if (node.isObject()) {
            JsonNode bean = node.get("bean");
            if (bean != null && bean.isObject() && bean.path("ref").isTextual()) add(bean.get("ref").asText(), file, names);
            if ("bean".equals(node.path("name").asText(null)) && node.path("value").isTextual()) add(node.get("value").asText(), file, names);
            node.fields().forEachRemaining(f -> collect(f.getValue(), file, names));
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, file, names));
        } else if (node.isTextual()) {
            Matcher m = HASH_REF.matcher(node.asText());
            if (m.matches()) add(m.group(1), file, names);
        }
    }

    private static void add(String name, String file, Map<String, String> names) {
        if (!name.contains("{{")) names.putIfAbsent(name, file); // a template's placeholder: its instances name the bean
    }

    private static String fileName(String location) {
        int routes = location.lastIndexOf("routes/");
        return routes >= 0 ? location.substring(routes) : location.substring(location.lastIndexOf(':') + 1);
    }
}
