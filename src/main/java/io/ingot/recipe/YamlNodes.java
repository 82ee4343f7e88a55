package io.ingot.recipe;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Lookups in a recipe's YAML node tree, which the checks read before (or instead of) binding it. */
final class YamlNodes {
    private YamlNodes() { }

    /** Absent, or an explicit null ({@code key:} with nothing after it, {@code ~}, {@code null}). */
    static boolean isNull(Node node) {
        return node == null || (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
    }

    /** The value under {@code key}, or null. */
    static Node get(MappingNode mapping, String key) {
        for (NodeTuple t : mapping.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) return t.getValueNode();
        }
        return null;
    }

    static boolean hasKey(MappingNode mapping, String key) {
        return keyNode(mapping, key) != mapping;
    }

    /** The node of {@code key} itself, where a problem about it is reported; the mapping when it is absent. */
    static Node keyNode(MappingNode mapping, String key) {
        for (NodeTuple t : mapping.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) return k;
        }
        return mapping;
    }

    /** What a node is, for a message: "a mapping", "a list" or the quoted value. */
    static String kind(Node node) {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        return Problem.quote(((ScalarNode) node).getValue());
    }
}
