package io.ingot.recipe;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static io.ingot.recipe.YamlNodes.get;
import static io.ingot.recipe.YamlNodes.isNull;

/**
 * The model ${...} is checked against: the names ingot sets for every build (with stand-in values)
 * and the recipe's variables, read from the raw tree before the structural walk. Reports bad
 * variable names, variables without a value and {@code --var} overrides the recipe does not declare.
 */
final class InterpolationModel {
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, Object> model = new HashMap<>();
    private final List<String> variableNames = new ArrayList<>();
    private boolean complete = true;

    /** Reads the model from the recipe's root mapping; problems go to {@code problems}. */
    InterpolationModel(MappingNode root, Map<String, String> overrides, ProblemList problems) {
        model.put("httpIp", "10.0.2.2");
        model.put("httpPort", "8080");
        model.put("sshPublicKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExampleEx ingot-build");
        model.put("buildId", "00000000-check");
        Node name = get(root, "name");
        model.put("name", name instanceof ScalarNode s ? s.getValue() : "recipe");
        Node vars = get(root, "variables");
        if (!(vars instanceof MappingNode varMap)) {
            unknownOverrides(overrides, Set.of(), problems);
            return;
        }
        Set<String> declared = new TreeSet<>();
        for (NodeTuple t : varMap.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) continue;
            String key = k.getValue();
            declared.add(key);
            variableNames.add(key);
            if (!VARIABLE_NAME.matcher(key).matches()) {
                problems.at(k, "variables." + key + ": a variable name is letters, digits and _, starting with a letter "
                        + "(it is used as ${" + key + "})");
                continue;
            }
            if (Interpolation.MODEL_NAMES.contains(key)) {
                problems.at(k, "variables." + key + ": '" + key + "' is set by ingot for every build; choose another name");
                continue;
            }
            String value = overrides.get(key);
            if (value == null && t.getValueNode() instanceof MappingNode def) {
                Node d = get(def, "default");
                if (d instanceof ScalarNode ds && !isNull(ds)) value = ds.getValue();
            }
            if (value == null) {
                complete = false;
                model.put(key, ""); // declared: its uses are fine, only the value is missing
                problems.at(k, "variables." + key + ": has no default; give it with --var " + key + "=VALUE");
            } else {
                model.put(key, value);
            }
        }
        unknownOverrides(overrides, declared, problems);
    }

    private static void unknownOverrides(Map<String, String> overrides, Set<String> declared, ProblemList problems) {
        for (String key : new TreeSet<>(overrides.keySet())) {
            if (declared.contains(key)) continue;
            String near = Suggest.nearest(key, declared);
            problems.add(0, 0, "--var " + key + ": the recipe has no variable '" + key + "'"
                    + (near != null ? " (did you mean '" + near + "'?)"
                    : declared.isEmpty() ? " (it declares no variables)" : " (it has: " + String.join(", ", declared) + ")"));
        }
    }

    /** Names and values for a trial rendering. */
    Map<String, Object> values() {
        return model;
    }

    /** False when a variable has no value: what depends on it cannot be known before the build. */
    boolean complete() {
        return complete;
    }

    /** What to tell about an undefined name: the nearest defined one, shell syntax, or all that are defined. */
    String undefinedHint(String name) {
        List<String> names = new ArrayList<>(Interpolation.MODEL_NAMES);
        names.addAll(variableNames);
        String near = Suggest.nearest(name, names);
        if (near != null) return " (did you mean '" + near + "'?)";
        if (name.equals(name.toUpperCase(Locale.ROOT))) {
            return " (for a shell variable write $" + name + " without braces, or ${r\"${" + name + "}\"})";
        }
        return " (defined: " + String.join(", ", names) + "; add it under variables)";
    }
}
