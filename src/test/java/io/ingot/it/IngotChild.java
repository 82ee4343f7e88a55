package io.ingot.it;

import io.ingot.cli.Main;
import io.ingot.util.PausePoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real CLI ({@code io.ingot.cli.Main}) in a child JVM, as {@code ./ingot} runs it, on an images directory of
 * the test's: run to its end, or to a pause point ({@link PausePoint}) where it is killed with SIGKILL.
 */
public final class IngotChild {
    private final Path home;
    private final Path images;
    private final Path cache;
    private final List<String> prefix;

    public IngotChild(Path home, Path images, Path cache) {
        this(home, images, cache, List.of());
    }

    private IngotChild(Path home, Path images, Path cache, List<String> prefix) {
        this.home = home;
        this.images = images;
        this.cache = cache;
        this.prefix = List.copyOf(prefix);
    }

    /** The same CLI run by {@code command} (e.g. {@code ip netns exec NS}: ingot on a host whose network that is). */
    public IngotChild wrappedIn(List<String> command) {
        List<String> p = new ArrayList<>(command);
        p.addAll(prefix);
        return new IngotChild(home, images, cache, p);
    }

    /**
     * How a command ended: its exit code (137 when killed) and everything it printed, stdout and stderr; for a
     * killed one, the QEMU processes it had started, as they were just before the kill.
     */
    public record Result(int exitCode, String output, long pid, List<ProcessHandle> qemus) {
        public Result(int exitCode, String output, long pid) { this(exitCode, output, pid, List.of()); }

        @Override
        public String toString() { return "exit " + exitCode + ":\n" + output; }
    }

    public Result run(Duration timeout, String... args) throws Exception {
        return start(null, args).finish(timeout);
    }

    /** Runs the command until it reaches {@code point}, then kills it with SIGKILL (no shutdown hook runs). */
    public Result killAt(String point, Duration timeout, String... args) throws Exception {
        return killAt(point, timeout, () -> { }, args);
    }

    /** Something to check while the command waits at its pause point. */
    @FunctionalInterface
    public interface WhilePaused {
        void check() throws Exception;
    }

    /** As {@link #killAt(String, Duration, String...)}, running {@code whilePaused} before the kill. */
    public Result killAt(String point, Duration timeout, WhilePaused whilePaused, String... args) throws Exception {
        Running r = start(point, args);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!r.output().contains(PausePoint.MARK + point)) {
            if (!r.process.isAlive()) {
                throw new AssertionError("ingot " + String.join(" ", args) + " ended before reaching " + point + ":\n" + r.output());
            }
            if (System.nanoTime() > deadline) {
                r.process.destroyForcibly();
                throw new AssertionError("ingot " + String.join(" ", args) + " did not reach " + point + " within "
                        + timeout.toSeconds() + "s:\n" + r.output());
            }
            Thread.sleep(50);
        }
        try {
            whilePaused.check();
        } catch (Exception | Error e) {
            r.process.destroyForcibly();
            throw e;
        }
        List<ProcessHandle> qemus = r.process.descendants()
                .filter(h -> h.info().command().map(c -> c.contains("qemu-system")).orElse(false)).toList();
        new ProcessBuilder("kill", "-KILL", Long.toString(r.process.pid())).start().waitFor();
        Result done = r.finish(Duration.ofSeconds(30));
        return new Result(done.exitCode(), done.output(), done.pid(), qemus);
    }

    /**
     * Starts a command whose standard input is a pipe the test writes ({@link Session#type}), its output read as it
     * comes, prompts without a line end included (for {@code ingot console}).
     */
    public Session session(String... args) throws IOException {
        return new Session(start(null, true, args));
    }

    /** A command started by {@link #session}. */
    public static final class Session {
        private final Running running;

        private Session(Running running) { this.running = running; }

        /** Writes {@code text} to the command's standard input. */
        public void type(String text) throws IOException {
            running.process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            running.process.getOutputStream().flush();
        }

        /** Waits until the command's output has {@code text} after byte {@code from}; returns where that text ends. */
        public int awaitOutput(int from, String text, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                int at = running.output().indexOf(text, from);
                if (at >= 0) return at + text.length();
                if (!running.process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("no '" + text + "' in the output " + (running.process.isAlive()
                            ? "within " + timeout.toSeconds() + "s" : "before the command ended") + ":\n" + running.output());
                }
                Thread.sleep(50);
            }
        }

        public String output() { return running.output(); }

        /** Whether the command still runs. */
        public boolean isAlive() { return running.process.isAlive(); }

        /** Closes the command's standard input and waits for its end. */
        public Result endInput(Duration timeout) throws Exception {
            running.process.getOutputStream().close();
            return running.finish(timeout);
        }

        /** Waits for the command's end, its standard input left open. */
        public Result finish(Duration timeout) throws Exception {
            return running.finish(timeout);
        }
    }

    private Running start(String pausePoint, String... args) throws IOException {
        return start(pausePoint, false, args);
    }

    private Running start(String pausePoint, boolean asItComes, String... args) throws IOException {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(home.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("INGOT_HOME", home.toString());
        env.put("INGOT_IMAGES", images.toString());
        env.put("INGOT_CACHE", cache.toString());
        if (pausePoint != null) env.put(PausePoint.ENV, pausePoint);
        else env.remove(PausePoint.ENV);
        return new Running(pb.start(), asItComes);
    }

    private static final class Running {
        final Process process;
        private final StringBuffer out = new StringBuffer();
        private final CompletableFuture<Void> reader;

        /** {@code asItComes}: output as read, without waiting for line ends (else line by line, line ends as '\n'). */
        Running(Process process, boolean asItComes) {
            this.process = process;
            this.reader = CompletableFuture.runAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    if (asItComes) {
                        char[] buf = new char[4096];
                        for (int n; (n = r.read(buf)) >= 0; ) out.append(buf, 0, n);
                    } else {
                        for (String line; (line = r.readLine()) != null; ) out.append(line).append('\n');
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            });
        }

        String output() { return out.toString(); }

        Result finish(Duration timeout) throws Exception {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("still running after " + timeout.toSeconds() + "s:\n" + output());
            }
            reader.get(10, TimeUnit.SECONDS);
            return new Result(process.exitValue(), output(), process.pid());
        }
    }
}
