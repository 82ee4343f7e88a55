package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Saves and loads a VM's device state without its RAM ({@code x-ignore-shared}: the RAM stays in the
 * memory-backend-file): the QMP half of RAM templates. {@code file:} URIs where QEMU has them
 * (8.2+), {@code exec:cat} otherwise (7.2).
 */
public final class DeviceState {
    private static final Duration POLL = Duration.ofMillis(5);

    private DeviceState() { }

    /** Saves the state of a stopped VM into {@code file}; fails with QEMU's error if the migration fails. */
    public static void save(Qmp qmp, QemuFeatures features, Path file, Duration timeout) {
        capabilities(qmp, "x-ignore-shared");
        String uri = features.fileMigration() ? "file:" + file : "exec:cat > " + quote(file);
        qmp.execute("migrate", Map.of("uri", uri));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode m = qmp.execute("query-migrate");
            String status = m.path("status").asText();
            if (status.equals("completed")) return;
            if (status.equals("failed") || status.equals("cancelled")) {
                throw new QemuException("saving the device state failed: " + m.path("error-desc").asText(status));
            }
            if (System.nanoTime() > deadline) throw new QemuException("saving the device state did not finish within " + timeout);
            sleep();
        }
    }

    /**
     * Loads {@code file} into a QEMU started with {@code -incoming defer -S}; returns once it is paused, ready for
     * {@code cont}. QEMU says so with its MIGRATION event (sent once the VM's run state is set): no polling.
     */
    public static void load(Qmp qmp, QemuFeatures features, Path file, Duration timeout) {
        capabilities(qmp, "x-ignore-shared", "events");
        String uri = features.fileMigration() ? "file:" + file : "exec:cat " + quote(file);
        qmp.execute("migrate-incoming", Map.of("uri", uri));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Optional<JsonNode> event = left > 0 ? qmp.awaitEvent("MIGRATION", Duration.ofNanos(left)) : Optional.empty();
            if (event.isEmpty()) throw new QemuException("loading the device state did not finish within " + timeout);
            String status = event.get().path("data").path("status").asText();
            if (status.equals("completed")) return;
            if (status.equals("failed") || status.equals("cancelled")) {
                throw new QemuException("loading the device state failed (status '" + status + "')");
            }
        }
    }

    /** Turns the named migration capabilities on ({@code x-ignore-shared}: the RAM stays in its file). */
    private static void capabilities(Qmp qmp, String... names) {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                Arrays.stream(names).map(n -> Map.of("capability", n, "state", true)).toList()));
    }

    private static String quote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QemuException("interrupted");
        }
    }
}
