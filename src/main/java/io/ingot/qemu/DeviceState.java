package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
        ignoreShared(qmp);
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

    /** Loads {@code file} into a QEMU started with {@code -incoming defer -S}; returns once it is paused, ready for {@code cont}. */
    public static void load(Qmp qmp, QemuFeatures features, Path file, Duration timeout) {
        ignoreShared(qmp);
        String uri = features.fileMigration() ? "file:" + file : "exec:cat " + quote(file);
        qmp.execute("migrate-incoming", Map.of("uri", uri));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String status = qmp.execute("query-status").path("status").asText();
            if (!status.equals("inmigrate") && !status.equals("prelaunch")) {
                if (status.equals("paused") || status.equals("postmigrate") || status.equals("running")) return;
                throw new QemuException("loading the device state ended in status '" + status + "'");
            }
            String migration = qmp.execute("query-migrate").path("status").asText();
            if (migration.equals("failed")) throw new QemuException("loading the device state failed");
            if (System.nanoTime() > deadline) throw new QemuException("loading the device state did not finish within " + timeout);
            sleep();
        }
    }

    private static void ignoreShared(Qmp qmp) {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "x-ignore-shared", "state", true))));
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
