package io.ingot.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.images.ImageStore;
import io.ingot.media.DebianArchive;
import io.ingot.media.MirrorChooser;
import io.ingot.pipeline.Recovery;
import io.ingot.qemu.Accelerator;
import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuFeatures;
import io.ingot.qemu.QemuInstallation;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

@Command(name = "doctor", mixinStandardHelpOptions = true, description = "Report QEMU, its features, the accelerator that will be used and why, the Debian archive "
        + "ingot's own media come from, and the tools found or missing.")
public class DoctorCommand implements Callable<Integer> {

    /** A program ingot runs, the Debian package that provides it, and whether builds need it. */
    record Tool(String program, String debianPackage, boolean required) { }

    static final List<Tool> TOOLS = List.of(
            new Tool("qemu-system-x86_64", "qemu-system-x86", true),
            new Tool("qemu-img", "qemu-utils", true),
            new Tool("xorriso", "xorriso", true),
            new Tool("cpio", "cpio", true),
            new Tool("dpkg-deb", "dpkg", true),
            new Tool("apt-get", "apt", true),
            new Tool("ssh-keygen", "openssh-client", false));

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--repair", description = {"Run the recovery step first (what killed ingot processes left: QEMU, builds, publishes, "
            + "removals, clones), also stopping QEMU left running by --on-error abort."})
    boolean repair;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut());
    }

    /** The command itself, also run without picocli by {@link Main} for its plain forms. */
    int run(PrintWriter out) throws Exception {
        Map<String, String> env = System.getenv();
        ObjectNode report = Json.MAPPER.createObjectNode();
        boolean ok = true;
        if (repair) {
            List<String> repaired = new Recovery(IngotPaths.fromEnvironment()).run(ImageStore.open(IngotPaths.fromEnvironment()), true);
            ArrayNode lines = report.putArray("repaired");
            repaired.forEach(lines::add);
            if (!json) {
                for (String line : repaired) out.println("repair: " + line);
                if (repaired.isEmpty()) out.println("repair: nothing to put right");
            }
        }

        QemuInstallation qemu = null;
        String qemuProblem = null;
        try {
            qemu = QemuInstallation.detect(env);
        } catch (UserError e) {
            qemuProblem = e.getMessage();
            ok = false;
        }
        Accelerator accel = null;
        if (qemu != null) {
            accel = AcceleratorProbe.forIngot(qemu, IngotPaths.fromEnvironment()).auto();
        }

        ArrayNode tools = report.putArray("tools");
        List<String> missing = new ArrayList<>();
        for (Tool t : TOOLS) {
            Optional<Path> found = switch (t.program()) {
                case QemuInstallation.SYSTEM_BINARY -> safeFind(() -> QemuInstallation.findSystem(env));
                case QemuInstallation.IMG_BINARY -> safeFind(() -> QemuInstallation.findImg(env));
                default -> QemuInstallation.onPath(env, t.program());
            };
            ObjectNode n = tools.addObject().put("name", t.program()).put("package", t.debianPackage())
                    .put("required", t.required()).put("found", found.isPresent());
            found.ifPresent(p -> n.put("path", p.toString()));
            if (found.isEmpty()) {
                if (t.required()) ok = false;
                missing.add(t.debianPackage());
            }
        }

        // ingot's own media (tinyinstall, debianinstall) are built from this archive; recipes may name another
        DebianArchive archive = null;
        String archiveProblem = null;
        try {
            archive = MirrorChooser.ofHost().choose(null, null);
            report.putObject("archive").put("mirror", archive.mirror()).put("security", archive.security())
                    .put("origin", archive.origin());
        } catch (UserError e) {
            archiveProblem = e.getMessage();
            report.put("archiveProblem", archiveProblem);
        }

        if (qemu != null) {
            report.putObject("qemu").put("path", qemu.system().toString()).put("version", qemu.version().toString());
            report.putObject("qemuImg").put("path", qemu.img().toString()).put("version", qemu.imgVersion().toString());
            QemuFeatures f = qemu.features();
            ObjectNode features = report.putObject("features").put("memoryBackendRom", f.memoryBackendRom())
                    .put("fileMigration", f.fileMigration()).put("mappedRam", f.mappedRam()).put("exitWithParent", f.exitWithParent());
            ObjectNode how = features.putObject("how");
            f.byLabel().keySet().forEach(label -> how.put(label, f.how().getOrDefault(label, "")));
            report.putObject("accelerator").put("name", accel.name()).put("reason", accel.reason());
        } else {
            report.put("qemuProblem", qemuProblem);
        }
        report.put("ok", ok);

        if (json) {
            out.println(Json.PRETTY.writeValueAsString(report));
        } else {
            if (qemu != null) {
                out.printf("QEMU        %s  %s%n", qemu.version(), qemu.system());
                out.printf("qemu-img    %s  %s%n", qemu.imgVersion(), qemu.img());
                out.println("features    (asked of QEMU, remembered until the binary changes)");
                QemuFeatures f = qemu.features();
                f.byLabel().forEach((label, has) -> out.printf("  %-28s %-4s %s%n", label + ":", yesNo(has), f.how().getOrDefault(label, "")));
                out.printf("accelerator %s (auto) - %s%n", accel.name(), accel.reason());
            } else {
                out.println("QEMU        " + qemuProblem);
            }
            out.println("archive     " + (archive != null ? archive.describe() : archiveProblem));
            out.println("tools:");
            for (var n : tools) {
                String status = n.get("found").asBoolean() ? "found    " + n.get("path").asText()
                        : (n.get("required").asBoolean() ? "MISSING  " : "missing  (optional) ") + "install package " + n.get("package").asText();
                out.printf("  %-20s %s%n", n.get("name").asText(), status);
            }
            if (!missing.isEmpty()) out.println("to install: apt-get install " + String.join(" ", missing));
            out.println(ok ? "ok" : "something needed is missing");
        }
        out.flush();
        return ok ? 0 : 2;
    }

    private static Optional<Path> safeFind(Supplier<Optional<Path>> finder) {
        try {
            return finder.get();
        } catch (UserError e) {
            return Optional.empty(); // a bad INGOT_QEMU override; detect() already reported it
        }
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
