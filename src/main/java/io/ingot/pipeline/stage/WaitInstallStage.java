package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.QemuProcess;
import io.ingot.util.Durations;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Waits for the unattended install to power the VM off, within {@code boot.timeout}, echoing the
 * installer's progress and error lines from the serial console into the build log.
 */
public final class WaitInstallStage implements Stage {
    private static final Pattern WORTH_SHOWING = Pattern.compile("(?i)ingot-install|error|fail|panic");
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration HEARTBEAT = Duration.ofSeconds(30);

    @Override
    public String name() { return "wait-install"; }

    @Override
    public void run(BuildContext build) throws Exception {
        QemuProcess vm = build.vm();
        Duration timeout = Durations.parse(build.recipe().recipe().boot().timeout());
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextBeat = start + HEARTBEAT.toNanos();
        SerialFollower serial = new SerialFollower(build.serialLog());
        while (!vm.waitForExit(POLL)) {
            serial.newLines(line -> {
                if (WORTH_SHOWING.matcher(line).find()) build.log().output("console", line);
            });
            long now = System.nanoTime();
            if (now > deadline) {
                throw new IllegalStateException("the installer did not power off within " + Durations.format(timeout)
                        + " (boot.timeout)");
            }
            if (now > nextBeat) {
                build.log().info("still installing (" + Durations.format(Duration.ofNanos(now - start)) + ")");
                nextBeat = now + HEARTBEAT.toNanos();
            }
        }
        serial.newLines(line -> {
            if (WORTH_SHOWING.matcher(line).find()) build.log().output("console", line);
        });
        build.log().info("the installer powered off after " + Durations.format(Duration.ofNanos(System.nanoTime() - start)));
        build.vm(null);
    }

    /** Reads the lines a growing serial log gained since the last call. */
    static final class SerialFollower {
        private final Path file;
        private long offset;
        private final StringBuilder partial = new StringBuilder();

        SerialFollower(Path file) { this.file = file; }

        void newLines(java.util.function.Consumer<String> sink) throws IOException {
            if (!file.toFile().exists()) return;
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                if (f.length() <= offset) return;
                f.seek(offset);
                byte[] buf = new byte[(int) Math.min(f.length() - offset, 1 << 20)];
                f.readFully(buf);
                offset += buf.length;
                partial.append(new String(buf, StandardCharsets.ISO_8859_1));
            }
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl).replaceAll("[\\p{Cntrl}&&[^\t]]", "");
                partial.delete(0, nl + 1);
                if (!line.isBlank()) sink.accept(line);
            }
        }
    }
}
