package io.ingot.recipe;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.ingot.recipe.YamlNodes.get;
import static io.ingot.recipe.YamlNodes.hasKey;
import static io.ingot.recipe.YamlNodes.isNull;
import static io.ingot.recipe.YamlNodes.keyNode;

/**
 * Rules between fields: required sections, media that exclude each other, fields a provisioner type
 * does not use, what needs a communicator, and the QEMU arguments a RAM template cannot work with.
 */
final class CrossChecks {
    /** Labels a recipe may require: each is a message property a worker's selector tests (FleetNames.MAX_REQUIRES). */
    static final int MAX_REQUIRES = 8;
    private static final Map<String, Set<String>> PROVISIONER_FIELDS = Map.of(
            "shell", Set.of("type", "name", "inline", "script", "env", "timeout", "retries", "retryOn", "expectDisconnect"),
            "file", Set.of("type", "name", "source", "destination", "timeout", "retries", "retryOn"),
            "reboot", Set.of("type", "name", "timeout"));

    private final RamTemplateRules ramRules;

    CrossChecks(RamTemplateRules ramRules) {
        this.ramRules = ramRules;
    }

    /** Checks the recipe's root mapping; problems go to {@code problems}. */
    void check(MappingNode root, ProblemList problems) {
        Node name = get(root, "name");
        if (hasKey(root, "name") && isNull(name)) {
            problems.at(keyNode(root, "name"), "name: has no value; give the template's name, e.g. debian-12");
        } else if (isNull(name)) {
            problems.add(1, 1, "name: is required (the template's name, e.g. debian-12)");
        }
        Node media = get(root, "media");
        boolean derived = !isNull(get(root, "from"));
        if (derived && !isNull(media)) {
            problems.at(keyNode(root, "media"), "media: not used with from (the build starts from the published template)");
        } else if (derived) {
            // from: the parent template is the disk; nothing to install
        } else if (hasKey(root, "media") && isNull(media)) {
            problems.at(keyNode(root, "media"), "media: has no value; give an iso, or a kernel and an initrd");
        } else if (isNull(media)) {
            problems.add(1, 1, "media: is required (an iso, or a kernel and an initrd)");
        } else if (media instanceof MappingNode m) {
            media(m, keyNode(root, "media"), problems);
        }
        Node communicator = get(root, "communicator");
        boolean noCommunicator = communicator instanceof MappingNode c && get(c, "type") instanceof ScalarNode t
                && t.getValue().equals("none");
        if (get(root, "provisioners") instanceof SequenceNode provisioners) {
            for (int i = 0; i < provisioners.getValue().size(); i++) {
                if (provisioners.getValue().get(i) instanceof MappingNode p) provisioner(p, "provisioners[" + i + "]", problems);
            }
            if (noCommunicator && !provisioners.getValue().isEmpty()) {
                problems.at(keyNode(root, "provisioners"), "provisioners: run over SSH; they need communicator.type ssh");
            }
        }
        if (get(root, "verify") instanceof SequenceNode checks) {
            for (int i = 0; i < checks.getValue().size(); i++) {
                if (checks.getValue().get(i) instanceof MappingNode check && isNull(get(check, "run"))) {
                    problems.at(check, "verify[" + i + "]: 'run' is required (a shell command that must exit 0)");
                }
            }
            if (noCommunicator && !checks.getValue().isEmpty()) {
                problems.at(keyNode(root, "verify"), "verify: checks run over SSH; they need communicator.type ssh");
            }
        }
        boolean installs = !derived && media instanceof MappingNode m && (!isNull(get(m, "iso")) || !isNull(get(m, "kernel")));
        if (!installs && (derived || !isNull(media)) && get(root, "boot") instanceof MappingNode boot
                && get(boot, "command") instanceof SequenceNode command && !command.getValue().isEmpty()) {
            problems.at(keyNode(boot, "command"), "boot.command: typed into an installer; a recipe built "
                    + (derived ? "from a template" : "from media.disk") + " boots no installer");
        }
        if (get(root, "build") instanceof MappingNode build && get(build, "requires") instanceof SequenceNode requires
                && requires.getValue().size() > MAX_REQUIRES) {
            problems.at(keyNode(build, "requires"), "build.requires: at most " + MAX_REQUIRES + " labels, got " + requires.getValue().size());
        }
        if (get(root, "schedule") instanceof MappingNode schedule && isNull(get(schedule, "cron"))) {
            problems.at(keyNode(root, "schedule"), "schedule: 'cron' is required (e.g. @nightly or \"0 2 * * *\")");
        }
        ramTemplate(root, problems);
    }

    private void media(MappingNode media, Node at, ProblemList problems) {
        for (String kind : FieldRules.SOURCE_KINDS) {
            if (hasKey(media, kind) && isNull(get(media, kind))) {
                problems.at(keyNode(media, kind), "media." + kind + ": has no value; give url, path or builtin");
                return;
            }
        }
        boolean iso = !isNull(get(media, "iso"));
        boolean kernel = !isNull(get(media, "kernel"));
        boolean initrd = !isNull(get(media, "initrd"));
        boolean disk = !isNull(get(media, "disk"));
        if (disk && (iso || kernel || initrd)) {
            problems.at(at, "media: give either a disk, an iso, or a kernel and an initrd, not several");
        } else if (iso && (kernel || initrd)) {
            problems.at(at, "media: give either iso, or kernel and initrd, not both");
        } else if (!iso && !kernel && !initrd && !disk) {
            problems.at(at, "media: needs an iso, a kernel and an initrd, or a disk");
        } else if (kernel != initrd) {
            problems.at(at, "media: " + (kernel ? "kernel needs an initrd" : "initrd needs a kernel"));
        }
        if (iso && !isNull(get(media, "append"))) {
            problems.at(keyNode(media, "append"), "media.append: only for kernel + initrd boot (with an iso, type the boot line in boot.command)");
        }
        for (String kind : FieldRules.SOURCE_KINDS) {
            if (get(media, kind) instanceof MappingNode source) source(source, keyNode(media, kind), "media." + kind, problems);
        }
    }

    private void source(MappingNode source, Node at, String path, ProblemList problems) {
        List<String> given = Stream.of("url", "path", "builtin").filter(k -> !isNull(get(source, k))).toList();
        if (given.size() != 1) {
            problems.at(at, path + ": give exactly one of url, path or builtin" + (given.isEmpty() ? "" : ", got " + String.join(" and ", given)));
            return;
        }
        if (!given.get(0).equals("builtin") && isNull(get(source, "checksum"))) {
            problems.at(at, path + ": a checksum is required for " + given.get(0) + " media (sha256:<hex>, sha512:<hex> or file:<url of SHA256SUMS>)");
        }
        if (path.equals("media.disk") && given.get(0).equals("builtin")) {
            problems.at(at, path + ": a disk image comes from a url or a path (builtin media are installers)");
        }
        if (!path.equals("media.disk") && !isNull(get(source, "format"))) {
            problems.at(keyNode(source, "format"), path + ".format: only for media.disk (qcow2 or raw)");
        }
        String builtin = get(source, "builtin") instanceof ScalarNode b ? b.getValue() : "";
        boolean debian = builtin.equals("debianinstall");
        for (String option : List.of("suite", "mirror", "packages")) {
            // both of ingot's own media come from Debian's archive; only debianinstall's system is chosen
            boolean allowed = debian || option.equals("mirror") && builtin.equals("tinyinstall");
            if (!allowed && !isNull(get(source, option))) {
                problems.at(keyNode(source, option), path + "." + option + ": only for builtin: debianinstall"
                        + (option.equals("mirror") ? " or tinyinstall" : ""));
            }
        }
    }

    private void provisioner(MappingNode p, String path, ProblemList problems) {
        Node typeNode = get(p, "type");
        if (isNull(typeNode)) {
            problems.at(p, path + ": 'type' is required (shell, file or reboot)");
            return;
        }
        if (!(typeNode instanceof ScalarNode ts) || !PROVISIONER_FIELDS.containsKey(ts.getValue())) return; // reported by the enum rule
        String type = ts.getValue();
        Set<String> allowed = PROVISIONER_FIELDS.get(type);
        for (NodeTuple t : p.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && RecordSchema.components(Recipe.Provisioner.class).containsKey(k.getValue())
                    && !allowed.contains(k.getValue())) {
                problems.at(k, path + "." + k.getValue() + ": not used by a " + type + " provisioner");
            }
        }
        switch (type) {
            case "shell" -> {
                boolean inline = !isNull(get(p, "inline"));
                boolean script = !isNull(get(p, "script"));
                if (inline == script) problems.at(p, path + ": a shell provisioner needs exactly one of inline or script");
            }
            case "file" -> {
                for (String k : List.of("source", "destination")) {
                    if (isNull(get(p, k))) problems.at(p, path + ": a file provisioner needs '" + k + "'");
                }
            }
            default -> { }
        }
    }

    private void ramTemplate(MappingNode root, ProblemList problems) {
        if (!(get(root, "template") instanceof MappingNode template)
                || !(get(template, "ram") instanceof ScalarNode ram) || !ram.getValue().equalsIgnoreCase("true")) return;
        if (!(get(root, "machine") instanceof MappingNode machine) || !(get(machine, "qemuArgs") instanceof SequenceNode args)) return;
        List<String> values = args.getValue().stream().map(n -> n instanceof ScalarNode s ? s.getValue() : "").toList();
        for (RamTemplateRules.Violation v : ramRules.check(values)) {
            problems.at(args.getValue().get(v.index()), "machine.qemuArgs[" + v.index() + "]: '" + v.argument()
                    + "' cannot work with a RAM template (template.ram: true): " + v.reason());
        }
    }
}
