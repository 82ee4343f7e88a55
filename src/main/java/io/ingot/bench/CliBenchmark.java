package io.ingot.bench;

import io.ingot.util.UserError;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code ingot bench cli}: the real launcher ({@code ingot}, as a user runs it) for each read command, against
 * {@code java -version} in the same run. Each round runs every command once, in a rotating order; the timer
 * wraps one whole process, from spawning it to its exit, with its output thrown away.
 */
public final class CliBenchmark {
    /** What a read command should take, wall time, p50. */
    public static final double TARGET_MS = 500;

    private final Path launcher;
    private final Consumer<String> progress;

    public CliBenchmark(Path launcher, Consumer<String> progress) {
        this.launcher = launcher;
        this.progress = progress;
    }

    /** {@code template}: the NAME for {@code versions NAME} (null: that command is left out). */
    public Map<String, Object> run(int count, String template) throws IOException {
        if (!Files.isExecutable(launcher)) throw new UserError("no launcher at " + launcher + " (set INGOT_HOME to ingot's directory)");
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("java -version", List.of("java", "-version"));
        for (String c : template == null ? List.of("templates", "clones", "pool", "doctor --json")
                : List.of("templates", "versions " + template, "clones", "pool", "doctor --json")) {
            List<String> argv = new ArrayList<>(List.of(launcher.toString()));
            argv.addAll(List.of(c.split(" ")));
            commands.put("ingot " + c, argv);
        }
        progress.accept("one untimed run of each (the launcher makes its jar and archive when they are missing)");
        for (List<String> argv : commands.values()) time(argv);
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        commands.keySet().forEach(k -> samples.put(k, new ArrayList<>()));
        for (int round = 0; round < count; round++) {
            if (round % 5 == 0) progress.accept("round " + (round + 1) + " of " + count);
            List<String> order = new ArrayList<>(commands.keySet());
            Collections.rotate(order, round);
            for (String k : order) samples.get(k).add(time(commands.get(k)));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("launcher", launcher.toString());
        result.put("count", count);
        result.put("targetMs", TARGET_MS);
        Map<String, Object> rows = new LinkedHashMap<>();
        double java = Stats.of(samples.get("java -version")).p50Ms();
        samples.forEach((k, v) -> {
            Stats s = Stats.of(v);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("stats", s);
            row.put("ratioToJavaVersion", s.p50Ms() / java);
            rows.put(k, row);
        });
        result.put("commands", rows);
        result.put("allUnderTarget", samples.entrySet().stream().filter(e -> !e.getKey().startsWith("java"))
                .allMatch(e -> Stats.of(e.getValue()).p50Ms() < TARGET_MS));
        return result;
    }

    /** Wall milliseconds of one run; a run that fails stops the benchmark with what it said. */
    private static double time(List<String> argv) throws IOException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        byte[] err = p.getErrorStream().readAllBytes();
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish within 5 minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " exited with " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8).strip());
        }
        return ms;
    }

    @SuppressWarnings("unchecked")
    public static String table(Map<String, Object> r) {
        StringBuilder t = new StringBuilder();
        t.append(String.format("%d runs of each, wall time from spawn to exit (launcher %s)%n", (Integer) r.get("count"), r.get("launcher")));
        t.append(String.format("%-28s %9s %9s %15s%n", "command", "p50", "p95", "p50 / java -version"));
        ((Map<String, Object>) r.get("commands")).forEach((k, v) -> {
            Map<String, Object> row = (Map<String, Object>) v;
            Stats s = (Stats) row.get("stats");
            t.append(String.format("%-28s %7.0fms %7.0fms %15.1f%n", k, s.p50Ms(), s.p95Ms(), (Double) row.get("ratioToJavaVersion")));
        });
        t.append(String.format("every read command under %.0f ms (p50): %s%n", (Double) r.get("targetMs"),
                Boolean.TRUE.equals(r.get("allUnderTarget")) ? "yes" : "no"));
        return t.toString();
    }
}
