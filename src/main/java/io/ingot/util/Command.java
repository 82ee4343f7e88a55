package io.ingot.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short host command (qemu-img, xorriso) to completion; fails with its stderr when it exits non-zero. */
public final class Command {
    public record Result(int exitCode, String stdout, String stderr) { }

    private Command() { }

    public static Result run(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        // read both streams concurrently so neither pipe fills up
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread t = new Thread(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete("");
            }
        });
        t.setDaemon(true);
        t.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + " did not finish within " + Durations.format(timeout));
        }
        t.join(5000);
        return new Result(p.exitValue(), out, err.getNow(""));
    }

    /** Runs and returns stdout; a non-zero exit is an IOException quoting the command and its stderr. */
    public static String check(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        Result r = run(argv, timeout);
        if (r.exitCode() != 0) {
            throw new IOException(argv.get(0) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
        return r.stdout();
    }
}
