package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.util.Command;
import io.ingot.util.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Asks a QEMU binary what it can do instead of guessing from its version (Debian's QEMU 10.0 has no
 * {@code exit-with-parent}, which upstream has from 9.1): {@code -run-with help}, {@code -object
 * memory-backend-file,help}, and over QMP (a {@code -machine none} QEMU that quits at once)
 * {@code query-migrate-capabilities} and {@code query-qmp-schema}. Three short runs, about 0.2 s in all,
 * remembered in {@code cacheFile} per binary until the binary changes (path, inode, size, time).
 */
public final class QemuFeatureProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Bumped when what is probed changes: older entries are probed again. */
    private static final String FORMAT = "v1";
    private static final Pattern ROM_OPTION = Pattern.compile("(?m)^\\s*rom=");
    private static final Pattern EXIT_WITH_PARENT = Pattern.compile("(?m)^\\s*exit-with-parent=");

    private final Path cacheFile;

    /** @param cacheFile where answers are remembered (ingot's private state), or null to ask every time */
    public QemuFeatureProbe(Path cacheFile) {
        this.cacheFile = cacheFile;
    }

    /** The version and features of {@code system}. */
    public record Probed(QemuVersion version, QemuFeatures features) { }

    public Probed probe(Path system) throws IOException {
        String key = identity(system);
        Map<String, JsonNode> cache = readCache();
        JsonNode saved = cache.get(system.toString());
        if (saved != null && key.equals(saved.path("key").asText())) {
            try {
                return fromJson(saved);
            } catch (RuntimeException ignored) {
                // an entry of another shape: ask again
            }
        }
        QemuVersion version = QemuVersion.parse(Command.exec(List.of(system.toString(), "--version"), TIMEOUT).output());
        QemuFeatures features = interpret(
                Command.exec(List.of(system.toString(), "-run-with", "help"), TIMEOUT),
                Command.exec(List.of(system.toString(), "-object", "memory-backend-file,help"), TIMEOUT),
                askQmp(system));
        Probed probed = new Probed(version, features);
        writeCache(system, key, probed);
        return probed;
    }

    /**
     * What the answers say. {@code -run-with help} lists its keys (7.2 has no {@code -run-with}); the
     * {@code file:} transport is a value of the schema's migration-address enum (QMP masks type names, not values).
     */
    static QemuFeatures interpret(Command.Result runWithHelp, Command.Result backendHelp, Map<String, JsonNode> qmp) {
        Map<String, String> how = new LinkedHashMap<>();
        boolean rom = ROM_OPTION.matcher(backendHelp.output()).find();
        how.put(QemuFeatures.ROM, (rom ? "listed" : "not listed") + " by -object memory-backend-file,help");
        boolean exitWithParent = EXIT_WITH_PARENT.matcher(runWithHelp.output()).find();
        how.put(QemuFeatures.EXIT_WITH_PARENT, (exitWithParent ? "listed" : "not listed") + " by -run-with help"
                + (runWithHelp.output().contains("invalid option") ? " (no -run-with option)" : ""));
        boolean mappedRam = false;
        boolean fileMigration = false;
        JsonNode caps = qmp.get("migrate");
        JsonNode schema = qmp.get("schema");
        if (caps == null || schema == null) {
            String why = "QMP did not answer";
            how.put(QemuFeatures.MAPPED_RAM, why);
            how.put(QemuFeatures.FILE_MIGRATION, why);
        } else {
            for (JsonNode c : caps) mappedRam |= c.path("capability").asText().equals("mapped-ram");
            how.put(QemuFeatures.MAPPED_RAM, (mappedRam ? "listed" : "not listed") + " by query-migrate-capabilities");
            for (JsonNode t : schema) {
                if (!t.path("meta-type").asText().equals("enum")) continue;
                List<String> values = Json.MAPPER.convertValue(t.path("values"), Json.MAPPER.getTypeFactory()
                        .constructCollectionType(List.class, String.class));
                fileMigration |= values.contains("exec") && values.contains("socket") && values.contains("file");
            }
            how.put(QemuFeatures.FILE_MIGRATION, (fileMigration ? "'file' is" : "no 'file'")
                    + " among the migration transports of query-qmp-schema");
        }
        return new QemuFeatures(rom, fileMigration, mappedRam, exitWithParent, how);
    }

    /**
     * Runs QEMU with no machine and QMP on stdio, sends the questions and {@code quit}, and returns each answer's
     * {@code return} by the command's id; an empty map when QEMU gives none in time.
     */
    static Map<String, JsonNode> askQmp(Path system) throws IOException {
        Process p = new ProcessBuilder(system.toString(), "-machine", "none", "-nodefaults", "-display", "none",
                "-S", "-qmp", "stdio").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        OutputStream in = p.getOutputStream();
        try {
            try {
                in.write(String.join("\n",
                        "{\"execute\":\"qmp_capabilities\",\"id\":\"caps\"}",
                        "{\"execute\":\"query-migrate-capabilities\",\"id\":\"migrate\"}",
                        "{\"execute\":\"query-qmp-schema\",\"id\":\"schema\"}", "").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException ignored) {
                // QEMU ended before reading: no answers
            }
            // read on this thread (the schema is ~250 KB, more than a pipe holds), and quit only once it is all in:
            // QEMU writes its monitor's output as the pipe takes it, and a quit ends it with the rest unwritten
            Map<String, JsonNode> answers = new HashMap<>();
            Thread limit = new Thread(() -> {
                try {
                    if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) p.destroyForcibly();
                } catch (InterruptedException ignored) {
                    // the answers are in
                }
            }, "qemu-feature-probe-limit");
            limit.setDaemon(true);
            limit.start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                // the schema's answer is the last one asked for: reading on would wait for the quit not yet sent
                while (!answers.containsKey("schema") && (line = out.readLine()) != null) {
                    JsonNode n = parse(line);
                    if (n != null && n.has("id") && n.has("return")) answers.put(n.get("id").asText(), n.get("return"));
                }
                try (in) {
                    in.write("{\"execute\":\"quit\"}\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // already gone
                }
            }
            limit.interrupt();
            return answers;
        } finally {
            p.destroyForcibly();
        }
    }

    private static JsonNode parse(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return null; // not a QMP line
        }
    }

    /** What changes when the binary is replaced (a package upgrade writes a new file). */
    private static String identity(Path system) throws IOException {
        Map<String, Object> a = Files.readAttributes(system, "unix:ino,size,lastModifiedTime,ctime");
        return String.join("|", FORMAT, String.valueOf(a.get("ino")), String.valueOf(a.get("size")),
                String.valueOf(a.get("lastModifiedTime")), String.valueOf(a.get("ctime")));
    }

    private static Probed fromJson(JsonNode n) {
        JsonNode f = n.path("features");
        Map<String, String> how = new LinkedHashMap<>();
        n.path("how").fields().forEachRemaining(e -> how.put(e.getKey(), e.getValue().asText()));
        return new Probed(QemuVersion.parse("version " + n.get("version").asText()),
                new QemuFeatures(f.get("memoryBackendRom").asBoolean(), f.get("fileMigration").asBoolean(),
                        f.get("mappedRam").asBoolean(), f.get("exitWithParent").asBoolean(), how));
    }

    private Map<String, JsonNode> readCache() {
        Map<String, JsonNode> m = new HashMap<>();
        if (cacheFile == null || !Files.isRegularFile(cacheFile)) return m;
        try {
            Json.MAPPER.readTree(cacheFile.toFile()).fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
        } catch (IOException | RuntimeException ignored) {
            // unreadable: probed again and rewritten
        }
        return m;
    }

    private void writeCache(Path system, String key, Probed probed) {
        if (cacheFile == null) return;
        try {
            ObjectNode all = Json.MAPPER.createObjectNode();
            readCache().forEach(all::set); // read again: another process may have added its binary meanwhile
            ObjectNode entry = all.putObject(system.toString()).put("key", key).put("version", probed.version().toString());
            QemuFeatures f = probed.features();
            entry.putObject("features").put("memoryBackendRom", f.memoryBackendRom()).put("fileMigration", f.fileMigration())
                    .put("mappedRam", f.mappedRam()).put("exitWithParent", f.exitWithParent());
            ObjectNode how = entry.putObject("how");
            f.how().forEach(how::put);
            Files.createDirectories(cacheFile.getParent());
            Path tmp = cacheFile.resolveSibling(cacheFile.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Json.PRETTY.writeValue(tmp.toFile(), all);
            Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ignored) {
            // not remembered: the next process asks again
        }
    }
}
