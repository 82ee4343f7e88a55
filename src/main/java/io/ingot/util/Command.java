package io.ingot.util;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs a host tool (qemu-img, xorriso, cp) to completion, with a time bound; stdin is /dev/null and
 * both output streams are drained so neither pipe fills up.
 */
public final class Command {
    /** Long enough for converting a large image; short tools pass their own bound. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() { return exitCode == 0; }

        /** stdout followed by stderr, for tools that print their answer on either. */
        public String output() { return stdout + stderr; }
    }

    private Command() { }

    /** Starts {@code argv} with stdin from /dev/null. */
    private static Process start(List<String> argv) throws IOException {
        try {
            return new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** The process's stderr, read aside so a chatty stderr never blocks it. */
    private static CompletableFuture<String> stderrOf(Process p) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    public static Result exec(List<String> argv) throws IOException {
        return exec(argv, DEFAULT_TIMEOUT);
    }

    /** Runs and returns the result whatever the exit code. */
    public static Result exec(List<String> argv, Duration timeout) throws IOException {
        Process p = start(argv);
        CompletableFuture<String> err = stderrOf(p);
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(String.join(" ", argv) + " did not finish within " + Durations.format(timeout));
            }
            return new Result(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv.get(0), e);
        } catch (ExecutionException | TimeoutException e) {
            return new Result(p.exitValue(), "", "");
        } finally {
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    /**
     * Runs to completion handing stdout to {@code chunks} as it arrives (progress output redraws its line with
     * carriage returns, so chunks are not lines); a non-zero exit is an IOException quoting stderr.
     */
    public static void stream(List<String> argv, Duration timeout, Consumer<String> chunks) throws IOException {
        Process p = start(argv);
        CompletableFuture<String> err = stderrOf(p);
        try (InputStream out = p.getInputStream()) {
            byte[] buf = new byte[4096];
            for (int n; (n = out.read(buf)) > 0; ) chunks.accept(new String(buf, 0, n, StandardCharsets.UTF_8));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(String.join(" ", argv) + " did not finish within " + Durations.format(timeout));
            }
            if (p.exitValue() != 0) {
                String stderr;
                try {
                    stderr = err.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    stderr = "";
                }
                throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): " + stderr.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv.get(0), e);
        } finally {
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    public static String run(List<String> argv) throws IOException {
        return run(argv, DEFAULT_TIMEOUT);
    }

    /** Runs and returns stdout; a non-zero exit is an IOException quoting the command and its stderr. */
    public static String run(List<String> argv, Duration timeout) throws IOException {
        Result r = exec(argv, timeout);
        if (!r.ok()) {
            throw new IOException(String.join(" ", argv) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
        return r.stdout();
    }
}
