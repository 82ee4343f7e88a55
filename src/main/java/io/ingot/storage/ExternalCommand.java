package io.ingot.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs a system tool (qemu-img, cp, xorriso) to completion; a non-zero exit is an IOException with its stderr. */
public final class ExternalCommand {
    private ExternalCommand() { }

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() { return exitCode == 0; }
    }

    /** Runs and returns the result whatever the exit code. */
    public static Result exec(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        // stderr on a thread so neither pipe fills up and blocks the tool
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread t = new Thread(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete("");
            }
        }, "stderr-" + command.get(0));
        t.setDaemon(true);
        t.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int code = p.waitFor();
            return new Result(code, out, err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
    }

    /** Runs and returns stdout; fails with the tool's stderr when it exits non-zero. */
    public static String run(List<String> command) throws IOException {
        Result r = exec(command);
        if (!r.ok()) {
            throw new IOException(String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + r.stderr().trim());
        }
        return r.stdout();
    }
}
