package io.ingot.qemu;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived helper command (version queries, feature probes) with a time bound. */
final class Exec {
    record Result(int exitCode, String output) { }

    private Exec() { }

    static Result run(List<String> argv, Duration timeout) throws IOException {
        // Output goes to a file so a chatty command can never block on a full pipe.
        Path out = Files.createTempFile("ingot-exec", ".out");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IOException(String.join(" ", argv) + " did not finish within " + timeout.toSeconds() + "s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + argv.get(0), e);
            } finally {
                if (p.isAlive()) p.destroyForcibly();
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
