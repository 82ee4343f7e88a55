package io.ingot.recipe;

import com.fasterxml.jackson.annotation.JsonProperty;
import freemarker.core.ParseException;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import io.ingot.util.Durations;
import io.ingot.util.Sizes;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks a recipe file and reports every problem at once, each with its line and column.
 *
 * <p>The structure (which keys exist, which hold a number, a list, a mapping) comes from the
 * {@link Recipe} records by reflection, so the model is the one source of truth; the rules that
 * records cannot express (allowed values, formats, required fields, files that must exist,
 * RAM-template restrictions) are keyed by the field's path below.
 */
public final class RecipeValidator {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[-+]?\\d+");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]*");
    private static final Set<String> URL_SCHEMES = Set.of("http", "https", "file");
    private static final List<String> BUILTIN_MEDIA = List.of("tinyinstall", "debianinstall");
    private static final List<String> SOURCE_KINDS = List.of("iso", "kernel", "initrd", "disk");
    /** Labels a recipe may require of the worker that builds it ({@code build.requires}). */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    /** NAME, NAME:VERSION or NAME@CHANNEL, as TemplateRef parses them. */
    private static final Pattern TEMPLATE_REF = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}(:[1-9]\\d{0,8}|@[a-z0-9][a-z0-9._-]{0,63})?");
    /** Fields that name a file or folder on this host: they must stay where {@link RecipePaths} allows. */
    private static final Set<String> PATH_FIELDS = Set.of("media.iso.path", "media.kernel.path", "media.initrd.path", "media.disk.path",
            "provisioners.script", "provisioners.source", "http.directory", "publish.gate.feed");
    private static final Map<String, Class<?>> ALL_PATHS = new LinkedHashMap<>();
    /** Below this no kernel boots an installer (the accelerator probe's tiny guest already gets 128M). */
    static final long MIN_MEMORY = 64L << 20;
    static final long MAX_MEMORY = 16L << 40;
    /** qemu-img refuses a qcow2 image somewhat above this; a template disk this large is a typo. */
    static final long MAX_DISK = 64L << 40;
    /** Labels a recipe may require: each is a message property a worker's selector tests (FleetNames.MAX_REQUIRES). */
    static final int MAX_REQUIRES = 8;

    static {
        collectPaths(Recipe.class, "");
    }

    private final RamTemplateRules ramRules = new RamTemplateRules();
    private final RecipePaths paths;

    /** A validator for which the files a recipe names must be inside the recipe's folder. */
    public RecipeValidator() {
        this(RecipePaths.recipeFolderOnly());
    }

    /** @param paths where the files a recipe names may be */
    public RecipeValidator(RecipePaths paths) {
        this.paths = paths;
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
        Run run = new Run(file, overrides);
        run.check(read);
        List<Problem> sorted = new ArrayList<>(run.problems);
        Collections.sort(sorted);
        return sorted;
    }

    /** Every key path of the recipe model ({@code machine.disk.interface}, ...), from the records. */
    public static Set<String> keyPaths() {
        return Collections.unmodifiableSet(ALL_PATHS.keySet());
    }

    /** Every variable's value (override, else default); null when it has none. Only for valid recipes. */
    static Map<String, String> variableValues(Recipe recipe, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        recipe.variables().forEach((k, v) -> values.put(k, overrides.getOrDefault(k, v.defaultValue())));
        return values;
    }

    /** One validation: the file, what was found, and the model for interpolation checks. */
    private final class Run {
        final Path file;
        final Path dir;
        final Map<String, String> overrides;
        final List<Problem> problems = new ArrayList<>();
        final Map<String, Object> model = new HashMap<>();
        boolean modelComplete = true;
        String text = "";

        Run(Path file, Map<String, String> overrides) {
            this.file = file;
            this.dir = file.getParent() == null ? Path.of("") : file.getParent();
            this.overrides = overrides;
        }

        void problem(Mark mark, String message) {
            problems.add(mark == null ? new Problem(file, 0, 0, message)
                    : new Problem(file, mark.getLine() + 1, mark.getColumn() + 1, message));
        }

        void problem(Node node, String message) {
            problem(node.getStartMark(), message);
        }

        void check(RecipeYaml.Read read) {
            if (read.problem() != null) {
                problems.add(read.problem());
                return;
            }
            text = read.text();
            Node root = read.root();
            if (root == null) {
                problems.add(new Problem(file, 1, 1, "the recipe is empty (it needs at least name and media)"));
                return;
            }
            if (!(root instanceof MappingNode mapping)) {
                problem(root, "a recipe is a mapping of keys (name, media, ...), got " + kind(root));
                return;
            }
            buildModel(mapping);
            walk(mapping, Recipe.class, "", "", null);
            crossChecks(mapping);
        }

        // ---- structure, from the records ----

        void walk(Node node, Type type, String path, String schema, Node owner) {
            if (isNull(node)) return;
            Class<?> raw = rawClass(type);
            if (raw.isRecord()) {
                if (!(node instanceof MappingNode mapping)) {
                    problem(node, path + ": expected a mapping (key: value lines), got " + kind(node));
                    return;
                }
                walkRecord(mapping, raw, path, schema);
            } else if (List.class.isAssignableFrom(raw)) {
                if (!(node instanceof SequenceNode seq)) {
                    problem(node, path + ": expected a list (lines starting with '- '), got " + kind(node));
                    return;
                }
                Type element = typeArgument(type, 0);
                for (int i = 0; i < seq.getValue().size(); i++) {
                    walk(seq.getValue().get(i), element, path + "[" + i + "]", schema, node);
                }
            } else if (Map.class.isAssignableFrom(raw)) {
                if (!(node instanceof MappingNode mapping)) {
                    problem(node, path + ": expected a mapping (key: value lines), got " + kind(node));
                    return;
                }
                Type value = typeArgument(type, 1);
                Map<String, Node> seen = new HashMap<>();
                for (NodeTuple t : mapping.getValue()) {
                    String key = keyOf(t, seen);
                    if (key == null) continue;
                    walk(t.getValueNode(), value, path + "." + key, schema + ".*", t.getKeyNode());
                }
            } else if (raw == String.class) {
                if (!(node instanceof ScalarNode scalar)) {
                    problem(node, path + ": expected a text value, got " + kind(node));
                    return;
                }
                leaf(scalar, path, schema);
            } else if (raw == Integer.class || raw == Long.class) {
                if (!(node instanceof ScalarNode scalar) || !WHOLE_NUMBER.matcher(scalar.getValue().trim()).matches()) {
                    problem(node, path + ": expected a whole number, got " + kind(node));
                    return;
                }
                leaf(scalar, path, schema);
            } else if (raw == Boolean.class) {
                if (!(node instanceof ScalarNode scalar) || !Set.of("true", "false").contains(scalar.getValue().toLowerCase(Locale.ROOT))) {
                    problem(node, path + ": expected true or false, got " + kind(node));
                }
            } else if (!(node instanceof ScalarNode)) {
                // a model type without a rule of its own here: at least it must be a single value
                problem(node, path + ": expected a single value, got " + kind(node));
            }
        }

        void walkRecord(MappingNode mapping, Class<?> record, String path, String schema) {
            Map<String, RecordComponent> components = components(record);
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
                walk(t.getValueNode(), c.getGenericType(), childPath, schema.isEmpty() ? key : schema + "." + key, t.getKeyNode());
            }
        }

        /** The key as text, or null after reporting a duplicate or non-text key. */
        String keyOf(NodeTuple t, Map<String, Node> seen) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                problem(t.getKeyNode(), "a key must be a plain name, got " + kind(t.getKeyNode()));
                return null;
            }
            Node first = seen.putIfAbsent(k.getValue(), k);
            if (first != null) {
                problem(k, "duplicate key " + Problem.quote(k.getValue()) + " (first on line " + (first.getStartMark().getLine() + 1) + ")");
                return null;
            }
            return k.getValue();
        }

        /** Suggestions come from the same section: its own keys, a synonym, or a key further down in it. */
        void unknownKey(Node keyNode, String key, String path, String schema, Set<String> known) {
            String where = path.isEmpty() ? "" : " in " + path;
            String near = SYNONYMS.get(schema.isEmpty() ? key : schema + "." + key);
            if (near == null) near = Suggest.nearest(key, known);
            String hint;
            if (near != null) {
                hint = " (did you mean '" + near + "'?)";
            } else {
                String below = schema.isEmpty() ? "" : schema + ".";
                String elsewhere = ALL_PATHS.keySet().stream()
                        .filter(p -> p.startsWith(below) && p.substring(p.lastIndexOf('.') + 1).equalsIgnoreCase(key))
                        .findFirst().orElse(null);
                hint = elsewhere != null ? " (did you mean '" + elsewhere + "'?)"
                        : " (known keys: " + String.join(", ", new TreeSet<>(known)) + ")";
            }
            problem(keyNode, "unknown key " + Problem.quote(key) + where + hint);
        }

        // ---- values ----

        /** Format checks of one text value, after interpolating what can be interpolated. */
        void leaf(ScalarNode scalar, String path, String schema) {
            String raw = scalar.getValue();
            String value = raw;
            if (interpolated(schema)) {
                value = interpolate(scalar, path, raw);
                // not known before the build: only boot commands can still be checked, ${...} being plain text to them
                if (value == null && schema.equals("boot.command")) value = raw;
                if (value == null) return;
            }
            String error = valueRule(schema, value);
            // a value quoted in full could be a megabyte long: messages quote it shortened
            if (error != null && value.length() > Problem.QUOTE_LIMIT) error = error.replace("'" + value + "'", Problem.quote(value));
            if (error != null) problem(scalar, path + ": " + error);
        }

        boolean interpolated(String schema) {
            return !schema.equals("name") && !schema.startsWith("variables.");
        }

        /** The value with ${...} rendered, or null when it cannot be known now (problems already reported). */
        String interpolate(ScalarNode scalar, String path, String raw) {
            if (!raw.contains("${")) return raw;
            try {
                Template t = new Template(path, new StringReader(raw), Interpolation.configuration(null));
                Interpolation.Trial trial = Interpolation.trial(t, model);
                for (TemplateException te : trial.undefined()) {
                    String name = te.getBlamedExpressionString();
                    problemIn(scalar, raw, orZero(te.getLineNumber()), orZero(te.getColumnNumber()),
                            path + ": '" + name + "' is not defined" + undefinedHint(name));
                }
                return trial.output() != null && modelComplete ? trial.output() : null;
            } catch (ParseException e) {
                TemplateErrors.Located at = TemplateErrors.describe(e, raw);
                problemIn(scalar, raw, at.line(), at.column(), path + ": " + at.message());
                return null;
            } catch (IOException e) {
                problem(scalar, path + ": " + e.getMessage());
                return null;
            }
        }

        /**
         * A problem at {@code line:column} of a scalar's value, placed in the recipe: the text from there
         * to the end of its line is looked up between the scalar's start and end (so quotes, block scalars
         * and folded lines do not shift it); where it cannot be found, at the scalar's start.
         */
        void problemIn(ScalarNode scalar, String value, int line, int column, String message) {
            if (line <= 0) {
                problem(scalar, message);
                return;
            }
            int offset = TemplateErrors.offset(value, line, column);
            int eol = value.indexOf('\n', offset);
            String snippet = value.substring(offset, Math.min(eol < 0 ? value.length() : eol, offset + 20));
            int from = text.offsetByCodePoints(0, Math.min(scalar.getStartMark().getIndex(), text.codePointCount(0, text.length())));
            int to = text.offsetByCodePoints(0, Math.min(scalar.getEndMark().getIndex(), text.codePointCount(0, text.length())));
            int found = -1;
            if (!snippet.isEmpty()) {
                int nth = 0; // the same text may come earlier in the value
                for (int i = value.indexOf(snippet); i >= 0 && i < offset; i = value.indexOf(snippet, i + 1)) nth++;
                found = text.indexOf(snippet, from);
                for (int k = 0; k < nth && found >= 0; k++) found = text.indexOf(snippet, found + 1);
            }
            if (found < 0 || found >= to) {
                problem(scalar, message);
                return;
            }
            int[] p = RecipeYaml.position(text, found);
            problems.add(new Problem(file, p[0], p[1], message));
        }

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

        String valueRule(String schema, String v) {
            Function<String, String> rule = RULES.get(schema);
            if (rule != null) return rule.apply(v);
            if (PATH_FIELDS.contains(schema)) {
                String refused = paths.refusal(dir, v);
                if (refused != null) return refused;
            }
            return switch (schema) {
                case "media.iso.path", "media.kernel.path", "media.initrd.path", "media.disk.path" ->
                        Files.isRegularFile(dir.resolve(v)) ? null : "no such file '" + v + "' (relative to the recipe's folder)";
                case "media.iso.url", "media.kernel.url", "media.initrd.url", "media.disk.url" -> url(v);
                case "provisioners.script" -> Files.isDirectory(dir.resolve(v))
                        ? "'" + v + "' is a folder; script names one file (a file provisioner uploads folders)"
                        : Files.exists(dir.resolve(v)) ? null : "no such file '" + v + "' (relative to the recipe's folder)";
                case "provisioners.source" ->
                        Files.exists(dir.resolve(v)) ? null : "no such file '" + v + "' (relative to the recipe's folder)";
                case "http.directory" -> httpDirectory(v);
                case "publish.gate.feed" -> Files.exists(dir.resolve(v)) ? null : "no such feed '" + v + "' (relative to the recipe's folder)";
                default -> null;
            };
        }

        String url(String v) {
            URI uri;
            try {
                uri = new URI(v);
            } catch (URISyntaxException e) {
                return "not a URL: " + e.getMessage();
            }
            if (uri.getScheme() == null || !URL_SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
                return "URL scheme must be http, https or file, got '" + v + "'";
            }
            if (uri.getScheme().equalsIgnoreCase("file") && uri.getPath() != null && !Files.isRegularFile(Path.of(uri.getPath()))) {
                return "no such file " + uri.getPath();
            }
            return null;
        }

        String httpDirectory(String v) {
            Path httpDir = dir.resolve(v);
            if (!Files.isDirectory(httpDir)) return "no such directory '" + v + "' (relative to the recipe's folder)";
            checkAnswerFiles(httpDir);
            return null;
        }

        /** Every *.ftl answer file must parse, and use only names the build defines. */
        void checkAnswerFiles(Path httpDir) {
            List<Path> templates;
            try (Stream<Path> files = Files.walk(httpDir)) {
                templates = files.filter(p -> p.getFileName().toString().endsWith(".ftl") && Files.isRegularFile(p)).sorted().toList();
            } catch (IOException e) {
                problems.add(new Problem(httpDir, 0, 0, "cannot list answer files: " + e.getMessage()));
                return;
            }
            Configuration cfg = Interpolation.configuration(httpDir);
            for (Path ftl : templates) {
                String name = httpDir.relativize(ftl).toString().replace('\\', '/');
                try {
                    Template t = cfg.getTemplate(name);
                    if (!modelComplete) continue;
                    Interpolation.Trial trial = Interpolation.trial(t, model);
                    for (TemplateException te : trial.undefined()) {
                        problems.add(new Problem(ftl, orZero(te.getLineNumber()), orZero(te.getColumnNumber()),
                                "'" + te.getBlamedExpressionString() + "' is not defined" + undefinedHint(te.getBlamedExpressionString())));
                    }
                } catch (ParseException e) {
                    TemplateErrors.Located at = TemplateErrors.describe(e, readQuietly(ftl));
                    problems.add(new Problem(ftl, at.line(), at.column(), at.message()));
                } catch (IOException e) {
                    problems.add(new Problem(ftl, 0, 0, "cannot read: " + e.getMessage()));
                }
            }
        }

        // ---- the model for ${...} ----

        final List<String> variableNames = new ArrayList<>();

        /** Model names and variable values, from the raw tree (before the structural walk). */
        void buildModel(MappingNode root) {
            model.put("httpIp", "10.0.2.2");
            model.put("httpPort", "8080");
            model.put("sshPublicKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExampleEx ingot-build");
            model.put("buildId", "00000000-check");
            Node name = get(root, "name");
            model.put("name", name instanceof ScalarNode s ? s.getValue() : "recipe");
            Node vars = get(root, "variables");
            if (!(vars instanceof MappingNode varMap)) {
                unknownOverrides(Set.of());
                return;
            }
            Set<String> declared = new TreeSet<>();
            for (NodeTuple t : varMap.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) continue;
                String key = k.getValue();
                declared.add(key);
                variableNames.add(key);
                if (!VARIABLE_NAME.matcher(key).matches()) {
                    problem(k, "variables." + key + ": a variable name is letters, digits and _, starting with a letter "
                            + "(it is used as ${" + key + "})");
                    continue;
                }
                if (Interpolation.MODEL_NAMES.contains(key)) {
                    problem(k, "variables." + key + ": '" + key + "' is set by ingot for every build; choose another name");
                    continue;
                }
                String value = overrides.get(key);
                if (value == null && t.getValueNode() instanceof MappingNode def) {
                    Node d = get(def, "default");
                    if (d instanceof ScalarNode ds && !isNull(ds)) value = ds.getValue();
                }
                if (value == null) {
                    modelComplete = false;
                    model.put(key, ""); // declared: its uses are fine, only the value is missing
                    problem(k, "variables." + key + ": has no default; give it with --var " + key + "=VALUE");
                } else {
                    model.put(key, value);
                }
            }
            unknownOverrides(declared);
        }

        void unknownOverrides(Set<String> declared) {
            for (String key : new TreeSet<>(overrides.keySet())) {
                if (declared.contains(key)) continue;
                String near = Suggest.nearest(key, declared);
                problems.add(new Problem(file, 0, 0, "--var " + key + ": the recipe has no variable '" + key + "'"
                        + (near != null ? " (did you mean '" + near + "'?)"
                        : declared.isEmpty() ? " (it declares no variables)" : " (it has: " + String.join(", ", declared) + ")")));
            }
        }

        // ---- rules across fields ----

        void crossChecks(MappingNode root) {
            Node name = get(root, "name");
            if (hasKey(root, "name") && isNull(name)) {
                problem(keyNode(root, "name"), "name: has no value; give the template's name, e.g. debian-12");
            } else if (isNull(name)) {
                problems.add(new Problem(file, 1, 1, "name: is required (the template's name, e.g. debian-12)"));
            }
            Node media = get(root, "media");
            boolean derived = !isNull(get(root, "from"));
            if (derived && !isNull(media)) {
                problem(keyNode(root, "media"), "media: not used with from (the build starts from the published template)");
            } else if (derived) {
                // from: the parent template is the disk; nothing to install
            } else if (hasKey(root, "media") && isNull(media)) {
                problem(keyNode(root, "media"), "media: has no value; give an iso, or a kernel and an initrd");
            } else if (isNull(media)) {
                problems.add(new Problem(file, 1, 1, "media: is required (an iso, or a kernel and an initrd)"));
            } else if (media instanceof MappingNode m) {
                mediaRules(m, keyNode(root, "media"));
            }
            Node communicator = get(root, "communicator");
            boolean noCommunicator = communicator instanceof MappingNode c && get(c, "type") instanceof ScalarNode t
                    && t.getValue().equals("none");
            if (get(root, "provisioners") instanceof SequenceNode provisioners) {
                for (int i = 0; i < provisioners.getValue().size(); i++) {
                    if (provisioners.getValue().get(i) instanceof MappingNode p) provisionerRules(p, "provisioners[" + i + "]");
                }
                if (noCommunicator && !provisioners.getValue().isEmpty()) {
                    problem(keyNode(root, "provisioners"), "provisioners: run over SSH; they need communicator.type ssh");
                }
            }
            if (get(root, "verify") instanceof SequenceNode checks) {
                for (int i = 0; i < checks.getValue().size(); i++) {
                    if (checks.getValue().get(i) instanceof MappingNode check && isNull(get(check, "run"))) {
                        problem(check, "verify[" + i + "]: 'run' is required (a shell command that must exit 0)");
                    }
                }
                if (noCommunicator && !checks.getValue().isEmpty()) {
                    problem(keyNode(root, "verify"), "verify: checks run over SSH; they need communicator.type ssh");
                }
            }
            boolean installs = !derived && media instanceof MappingNode m && (!isNull(get(m, "iso")) || !isNull(get(m, "kernel")));
            if (!installs && (derived || !isNull(media)) && get(root, "boot") instanceof MappingNode boot
                    && get(boot, "command") instanceof SequenceNode command && !command.getValue().isEmpty()) {
                problem(keyNode(boot, "command"), "boot.command: typed into an installer; a recipe built "
                        + (derived ? "from a template" : "from media.disk") + " boots no installer");
            }
            if (get(root, "build") instanceof MappingNode build && get(build, "requires") instanceof SequenceNode requires
                    && requires.getValue().size() > MAX_REQUIRES) {
                problem(keyNode(build, "requires"), "build.requires: at most " + MAX_REQUIRES + " labels, got " + requires.getValue().size());
            }
            if (get(root, "schedule") instanceof MappingNode schedule && isNull(get(schedule, "cron"))) {
                problem(keyNode(root, "schedule"), "schedule: 'cron' is required (e.g. @nightly or \"0 2 * * *\")");
            }
            if (get(root, "publish") instanceof MappingNode publish && get(publish, "gate") instanceof MappingNode gate
                    && isNull(get(gate, "feed"))) {
                problem(keyNode(publish, "gate"), "publish.gate: 'feed' is required (OSV or Debian security tracker JSON)");
            }
            ramTemplateRules(root);
        }

        void mediaRules(MappingNode media, Node at) {
            for (String kind : SOURCE_KINDS) {
                if (hasKey(media, kind) && isNull(get(media, kind))) {
                    problem(keyNode(media, kind), "media." + kind + ": has no value; give url, path or builtin");
                    return;
                }
            }
            boolean iso = !isNull(get(media, "iso"));
            boolean kernel = !isNull(get(media, "kernel"));
            boolean initrd = !isNull(get(media, "initrd"));
            boolean disk = !isNull(get(media, "disk"));
            if (disk && (iso || kernel || initrd)) {
                problem(at, "media: give either a disk, an iso, or a kernel and an initrd, not several");
            } else if (iso && (kernel || initrd)) {
                problem(at, "media: give either iso, or kernel and initrd, not both");
            } else if (!iso && !kernel && !initrd && !disk) {
                problem(at, "media: needs an iso, a kernel and an initrd, or a disk");
            } else if (kernel != initrd) {
                problem(at, "media: " + (kernel ? "kernel needs an initrd" : "initrd needs a kernel"));
            }
            if (iso && !isNull(get(media, "append"))) {
                problem(keyNode(media, "append"), "media.append: only for kernel + initrd boot (with an iso, type the boot line in boot.command)");
            }
            for (String kind : SOURCE_KINDS) {
                if (get(media, kind) instanceof MappingNode source) sourceRules(source, keyNode(media, kind), "media." + kind);
            }
        }

        void sourceRules(MappingNode source, Node at, String path) {
            List<String> given = Stream.of("url", "path", "builtin").filter(k -> !isNull(get(source, k))).toList();
            if (given.size() != 1) {
                problem(at, path + ": give exactly one of url, path or builtin" + (given.isEmpty() ? "" : ", got " + String.join(" and ", given)));
                return;
            }
            if (!given.get(0).equals("builtin") && isNull(get(source, "checksum"))) {
                problem(at, path + ": a checksum is required for " + given.get(0) + " media (sha256:<hex>, sha512:<hex> or file:<url of SHA256SUMS>)");
            }
            if (path.equals("media.disk") && given.get(0).equals("builtin")) {
                problem(at, path + ": a disk image comes from a url or a path (builtin media are installers)");
            }
            if (!path.equals("media.disk") && !isNull(get(source, "format"))) {
                problem(keyNode(source, "format"), path + ".format: only for media.disk (qcow2 or raw)");
            }
            String builtin = get(source, "builtin") instanceof ScalarNode b ? b.getValue() : "";
            boolean debian = builtin.equals("debianinstall");
            for (String option : List.of("suite", "mirror", "packages")) {
                // both of ingot's own media come from Debian's archive; only debianinstall's system is chosen
                boolean allowed = debian || option.equals("mirror") && builtin.equals("tinyinstall");
                if (!allowed && !isNull(get(source, option))) {
                    problem(keyNode(source, option), path + "." + option + ": only for builtin: debianinstall"
                            + (option.equals("mirror") ? " or tinyinstall" : ""));
                }
            }
        }

        void provisionerRules(MappingNode p, String path) {
            Node typeNode = get(p, "type");
            if (isNull(typeNode)) {
                problem(p, path + ": 'type' is required (shell, file or reboot)");
                return;
            }
            if (!(typeNode instanceof ScalarNode ts) || !PROVISIONER_FIELDS.containsKey(ts.getValue())) return; // reported by the enum rule
            String type = ts.getValue();
            Set<String> allowed = PROVISIONER_FIELDS.get(type);
            for (NodeTuple t : p.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && components(Recipe.Provisioner.class).containsKey(k.getValue())
                        && !allowed.contains(k.getValue())) {
                    problem(k, path + "." + k.getValue() + ": not used by a " + type + " provisioner");
                }
            }
            switch (type) {
                case "shell" -> {
                    boolean inline = !isNull(get(p, "inline"));
                    boolean script = !isNull(get(p, "script"));
                    if (inline == script) problem(p, path + ": a shell provisioner needs exactly one of inline or script");
                }
                case "file" -> {
                    for (String k : List.of("source", "destination")) {
                        if (isNull(get(p, k))) problem(p, path + ": a file provisioner needs '" + k + "'");
                    }
                }
                default -> { }
            }
        }

        void ramTemplateRules(MappingNode root) {
            if (!(get(root, "template") instanceof MappingNode template)
                    || !(get(template, "ram") instanceof ScalarNode ram) || !ram.getValue().equalsIgnoreCase("true")) return;
            if (!(get(root, "machine") instanceof MappingNode machine) || !(get(machine, "qemuArgs") instanceof SequenceNode args)) return;
            List<String> values = args.getValue().stream().map(n -> n instanceof ScalarNode s ? s.getValue() : "").toList();
            for (RamTemplateRules.Violation v : ramRules.check(values)) {
                problem(args.getValue().get(v.index()), "machine.qemuArgs[" + v.index() + "]: '" + v.argument()
                        + "' cannot work with a RAM template (template.ram: true): " + v.reason());
            }
        }
    }

    // ---- rules by field path (list elements share their list's path) ----

    /** Keys people write from other tools, by section, and the key ingot uses instead. */
    private static final Map<String, String> SYNONYMS = Map.of(
            "verify.command", "run",
            "verify.cmd", "run",
            "provisioners.command", "inline",
            "provisioners.commands", "inline");

    private static final Map<String, Set<String>> PROVISIONER_FIELDS = Map.of(
            "shell", Set.of("type", "name", "inline", "script", "env", "timeout", "retries", "retryOn", "expectDisconnect"),
            "file", Set.of("type", "name", "source", "destination", "timeout", "retries", "retryOn"),
            "reboot", Set.of("type", "name", "timeout"));

    private static final Map<String, Function<String, String>> RULES = new HashMap<>();

    static {
        oneOf("machine.accel", "auto", "kvm", "tcg");
        RULES.put("machine.type", v -> v.equals("pc") || v.equals("q35") || v.matches("pc-(i440fx|q35)-\\d+\\.\\d+") ? null
                : "must be pc or q35 (or a versioned pc-i440fx-X.Y / pc-q35-X.Y), got '" + v + "'" + near(v, List.of("pc", "q35")));
        oneOf("machine.firmware", "bios", "uefi");
        oneOf("machine.disk.format", "qcow2", "raw");
        oneOf("machine.disk.interface", "virtio", "ide", "scsi", "nvme");
        oneOf("communicator.type", "ssh", "none");
        oneOf("provisioners.type", "shell", "file", "reboot");
        oneOf("provisioners.retryOn", Recipe.Provisioner.FAILURES.toArray(String[]::new));
        oneOf("template.format", "qcow2", "raw");
        oneOf("schedule.when", "changed", "always");
        oneOf("seal.operations", SealOperation.defaults().toArray(String[]::new));
        for (String p : List.of("boot.wait", "boot.keyInterval", "boot.timeout", "boot.stallTimeout", "communicator.timeout",
                "provisioners.timeout", "shutdown.timeout", "verify.timeout")) {
            RULES.put(p, RecipeValidator::duration);
        }
        RULES.put("machine.memory", v -> size(v, MIN_MEMORY, MAX_MEMORY, "the guest's RAM"));
        RULES.put("machine.disk.size", v -> size(v, 1, MAX_DISK, "the installation disk"));
        RULES.put("machine.cpus", v -> range(v, 1, 1024));
        RULES.put("communicator.port", v -> range(v, 1, 65535));
        RULES.put("provisioners.retries", v -> range(v, 0, 100));
        for (String kind : SOURCE_KINDS) {
            RULES.put("media." + kind + ".checksum", RecipeValidator::checksum);
            RULES.put("media." + kind + ".builtin", v -> BUILTIN_MEDIA.contains(v) ? null
                    : "unknown builtin media '" + v + "' (ingot builds: " + String.join(", ", BUILTIN_MEDIA) + ")");
        }
        oneOf("media.disk.format", "qcow2", "raw");
        RULES.put("from", v -> TEMPLATE_REF.matcher(v).matches() && !v.contains("..") ? null
                : "expected a published template as NAME, NAME:VERSION or NAME@CHANNEL (e.g. debian-12-minimal@stable), got '" + v + "'");
        RULES.put("build.requires", v -> LABEL.matcher(v).matches() ? null
                : "'" + v + "' is not a worker label (lower-case letters, digits, '.', '-', '_'; e.g. kvm, x86_64)");
        RULES.put("media.iso.suite", v -> v.matches("[a-z][a-z0-9-]*") ? null : "'" + v + "' is not a Debian suite name (bookworm, trixie ...)");
        RULES.put("media.iso.mirror", v -> v.matches("https?://[^\\s]+") ? null : "expected an http or https URL of a Debian archive, got '" + v + "'");
        RULES.put("media.iso.packages", v -> v.matches("[a-z0-9][a-z0-9+.-]+") ? null : "'" + v + "' is not a Debian package name");
        RULES.put("boot.command", v -> {
            try {
                BootCommand.parse(v);
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        RULES.put("schedule.cron", v -> {
            try {
                Cron.parse(v).toQuartz();
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        RULES.put("name", v -> NAME.matcher(v).matches() ? null
                : "'" + v + "' is not a template name: use lower-case letters, digits, '.', '-' and '_', starting with a letter or digit");
        RULES.put("publish.channel", v -> NAME.matcher(v).matches() ? null
                : "'" + v + "' is not a channel name: use lower-case letters, digits, '.', '-' and '_'");
        oneOf("publish.gate.maxSeverity", "none", "low", "medium", "high", "critical");
        RULES.put("publish.gate.allow", v -> v.matches("[A-Za-z][A-Za-z0-9._:-]*") ? null : "'" + v + "' is not an advisory id (CVE-2024-6387, DSA-5724-1, GHSA-...)");
        RULES.put("publish.storage", v -> NAME.matcher(v).matches() ? null : "'" + v + "' is not a storage name");
    }

    private static void oneOf(String path, String... allowed) {
        List<String> values = Arrays.asList(allowed);
        RULES.put(path, v -> values.contains(v) ? null
                : "must be one of " + String.join(", ", values) + ", got '" + v + "'" + near(v, values));
    }

    private static String near(String v, List<String> values) {
        String n = Suggest.nearest(v, values);
        return n == null ? "" : " (did you mean '" + n + "'?)";
    }

    private static String range(String v, int min, int max) {
        String digits = v.trim().replace("+", "");
        if (!WHOLE_NUMBER.matcher(digits).matches()) return "expected a whole number, got '" + v + "'";
        String out = "must be between " + min + " and " + max + ", got ";
        // too many digits for a long is out of range: parsed as a BigInteger, a megabyte of digits costs seconds
        if (digits.replaceFirst("^-?0*", "").length() > 18) return out + Problem.quote(digits);
        long n = Long.parseLong(digits);
        return n < min || n > max ? out + n : null;
    }

    private static String duration(String v) {
        if (!Durations.isValid(v)) return "expected a duration such as 500ms, 30s, 5m or 1h30m, got '" + v + "'";
        try {
            Durations.parse(v);
            return null;
        } catch (IllegalArgumentException e) {
            return "'" + v + "' is " + e.getMessage();
        }
    }

    /**
     * A size between {@code min} and {@code max} bytes. A plain number is bytes, so {@code memory: 512} is
     * 512 bytes: below 64 Ki that is surely meant as MiB, and the message says so.
     */
    private static String size(String v, long min, long max, String what) {
        if (!Sizes.isValid(v)) return "expected a size such as 512M or 20G, got '" + v + "'";
        long bytes;
        try {
            bytes = Sizes.parseBytes(v);
        } catch (IllegalArgumentException e) {
            return "'" + v + "' is " + e.getMessage() + "; at most " + Sizes.format(max);
        }
        if (bytes == 0) return "must be more than 0";
        if (bytes < min) {
            boolean plain = Sizes.isPlainNumber(v);
            String meant = plain && bytes < 64 * 1024 ? " (did you mean " + v.trim() + "M?)" : "";
            return "'" + v + "' is " + (plain ? bytes + " bytes, " : "") + "too little for " + what + " to boot; at least "
                    + Sizes.format(min) + meant;
        }
        if (bytes > max) return "'" + v + "' is more than " + Sizes.format(max) + ", the most ingot gives " + what;
        return null;
    }

    /** {@code sha256:<64 hex>}, {@code sha512:<128 hex>} or {@code file:<url of a SHA256SUMS/SHA512SUMS file>}. */
    static String checksum(String v) {
        int colon = v.indexOf(':');
        String kind = colon < 0 ? "" : v.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? v : v.substring(colon + 1);
        return switch (kind) {
            case "sha256" -> hex(rest, 64, "sha256");
            case "sha512" -> hex(rest, 128, "sha512");
            case "file" -> {
                try {
                    URI uri = new URI(rest);
                    yield uri.getScheme() != null && URL_SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT)) ? null
                            : "file: needs the http, https or file URL of a SHA256SUMS or SHA512SUMS file, got '" + rest + "'";
                } catch (URISyntaxException e) {
                    yield "file: needs a URL: " + e.getMessage();
                }
            }
            default -> "expected sha256:<64 hex digits>, sha512:<128 hex digits> or file:<url of SHA256SUMS>, got '" + v + "'";
        };
    }

    private static String hex(String digits, int length, String algorithm) {
        if (!HEX.matcher(digits).matches()) return algorithm + " needs hex digits (0-9, a-f), got '" + digits + "'";
        return digits.length() == length ? null : algorithm + " needs " + length + " hex digits, got " + digits.length();
    }

    // ---- reflection over the records ----

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

    private static void collectPaths(Class<?> record, String prefix) {
        components(record).forEach((key, c) -> {
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            Class<?> raw = rawClass(c.getGenericType());
            Class<?> inner = raw == List.class ? rawClass(typeArgument(c.getGenericType(), 0))
                    : raw == Map.class ? rawClass(typeArgument(c.getGenericType(), 1)) : raw;
            ALL_PATHS.put(path, inner);
            if (inner.isRecord()) collectPaths(inner, path);
        });
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalStateException("unsupported type " + type);
    }

    private static Type typeArgument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }

    // ---- node helpers ----

    private static boolean isNull(Node node) {
        return node == null || (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
    }

    private static Node get(MappingNode mapping, String key) {
        for (NodeTuple t : mapping.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) return t.getValueNode();
        }
        return null;
    }

    private static boolean hasKey(MappingNode mapping, String key) {
        return keyNode(mapping, key) != mapping;
    }

    private static Node keyNode(MappingNode mapping, String key) {
        for (NodeTuple t : mapping.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) return k;
        }
        return mapping;
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        return Problem.quote(((ScalarNode) node).getValue());
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ""; // positions stay FreeMarker's own
        }
    }

    private static int orZero(Integer n) {
        return n == null ? 0 : n;
    }
}
