package io.ingot.recipe;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.ingot.recipe.YamlNodes.isNull;
import static io.ingot.recipe.YamlNodes.kind;

/**
 * Walks a recipe's YAML node tree along the {@link Recipe} records: unknown keys (with a suggestion),
 * duplicate keys, and the type of every value (mapping, list, text, number, boolean); each text value
 * goes on to {@link ValueChecks}.
 */
final class SchemaWalker {
    /** Keys people write from other tools, by section, and the key ingot uses instead. */
    private static final Map<String, String> SYNONYMS = Map.of(
            "verify.command", "run",
            "verify.cmd", "run",
            "provisioners.command", "inline",
            "provisioners.commands", "inline");

    private final ProblemList problems;
    private final ValueChecks values;

    SchemaWalker(ProblemList problems, ValueChecks values) {
        this.problems = problems;
        this.values = values;
    }

    /** Walks the whole recipe from its root mapping. */
    void walk(MappingNode root) {
        walk(root, Recipe.class, "", "");
    }

    /** {@code path} names the node for messages ({@code provisioners[2].type}); {@code schema} is the same without indexes. */
    private void walk(Node node, Type type, String path, String schema) {
        if (isNull(node)) return;
        Class<?> raw = RecordSchema.rawClass(type);
        if (raw.isRecord()) {
            if (!(node instanceof MappingNode mapping)) {
                problems.at(node, path + ": expected a mapping (key: value lines), got " + kind(node));
                return;
            }
            walkRecord(mapping, raw, path, schema);
        } else if (List.class.isAssignableFrom(raw)) {
            if (!(node instanceof SequenceNode seq)) {
                problems.at(node, path + ": expected a list (lines starting with '- '), got " + kind(node));
                return;
            }
            Type element = RecordSchema.typeArgument(type, 0);
            for (int i = 0; i < seq.getValue().size(); i++) {
                walk(seq.getValue().get(i), element, path + "[" + i + "]", schema);
            }
        } else if (Map.class.isAssignableFrom(raw)) {
            if (!(node instanceof MappingNode mapping)) {
                problems.at(node, path + ": expected a mapping (key: value lines), got " + kind(node));
                return;
            }
            Type value = RecordSchema.typeArgument(type, 1);
            Map<String, Node> seen = new HashMap<>();
            for (NodeTuple t : mapping.getValue()) {
                String key = keyOf(t, seen);
                if (key == null) continue;
                walk(t.getValueNode(), value, path + "." + key, schema + ".*");
            }
        } else if (raw == String.class) {
            if (!(node instanceof ScalarNode scalar)) {
                problems.at(node, path + ": expected a text value, got " + kind(node));
                return;
            }
            values.check(scalar, path, schema);
        } else if (raw == Integer.class || raw == Long.class) {
            if (!(node instanceof ScalarNode scalar) || !FieldRules.WHOLE_NUMBER.matcher(scalar.getValue().trim()).matches()) {
                problems.at(node, path + ": expected a whole number, got " + kind(node));
                return;
            }
            values.check(scalar, path, schema);
        } else if (raw == Boolean.class) {
            if (!(node instanceof ScalarNode scalar) || !Set.of("true", "false").contains(scalar.getValue().toLowerCase(Locale.ROOT))) {
                problems.at(node, path + ": expected true or false, got " + kind(node));
            }
        } else if (!(node instanceof ScalarNode)) {
            // a model type without a rule of its own here: at least it must be a single value
            problems.at(node, path + ": expected a single value, got " + kind(node));
        }
    }

    private void walkRecord(MappingNode mapping, Class<?> record, String path, String schema) {
        Map<String, RecordComponent> components = RecordSchema.components(record);
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            String key = keyOf(t, seen);
            if (key == null) continue;
            RecordComponent c = components.get(key);
            String childPath = path.isEmpty() ? key : path + "." + key;
            if (c == null) {
                unknownKey(t.getKeyNode(), key, path, schema, components.keySet());
                continue;
            }
            walk(t.getValueNode(), c.getGenericType(), childPath, schema.isEmpty() ? key : schema + "." + key);
        }
    }

    /** The key as text, or null after reporting a duplicate or non-text key. */
    private String keyOf(NodeTuple t, Map<String, Node> seen) {
        if (!(t.getKeyNode() instanceof ScalarNode k)) {
            problems.at(t.getKeyNode(), "a key must be a plain name, got " + kind(t.getKeyNode()));
            return null;
        }
        Node first = seen.putIfAbsent(k.getValue(), k);
        if (first != null) {
            problems.at(k, "duplicate key " + Problem.quote(k.getValue()) + " (first on line " + (first.getStartMark().getLine() + 1) + ")");
            return null;
        }
        return k.getValue();
    }

    /** Suggestions come from the same section: its own keys, a synonym, or a key further down in it. */
    private void unknownKey(Node keyNode, String key, String path, String schema, Set<String> known) {
        String where = path.isEmpty() ? "" : " in " + path;
        String near = SYNONYMS.get(schema.isEmpty() ? key : schema + "." + key);
        if (near == null) near = Suggest.nearest(key, known);
        String hint;
        if (near != null) {
            hint = " (did you mean '" + near + "'?)";
        } else {
            String below = schema.isEmpty() ? "" : schema + ".";
            String elsewhere = RecordSchema.keyPaths().stream()
                    .filter(p -> p.startsWith(below) && p.substring(p.lastIndexOf('.') + 1).equalsIgnoreCase(key))
                    .findFirst().orElse(null);
            hint = elsewhere != null ? " (did you mean '" + elsewhere + "'?)"
                    : " (known keys: " + String.join(", ", new TreeSet<>(known)) + ")";
        }
        problems.at(keyNode, "unknown key " + Problem.quote(key) + where + hint);
    }
}
