package io.ingot.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.SerialFollower;
import io.ingot.qemu.Vm;
import io.ingot.util.Durations;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Waits for the unattended install to power the VM off, within {@code boot.timeout}, echoing the
 * installer's progress and error lines from the serial console into the build log. An installer that
 * stops making progress (no disk writes and no console output for {@code boot.stallTimeout}: it waits
 * at a question, or hangs) fails the build then, with its last screen, instead of at the timeout. A kernel panic,
 * or ingot's own installer saying it failed, fails it at once.
 */
public final class WaitInstallStage implements Stage {
    static final String KERNEL_PANIC = "Kernel panic - not syncing";
    /** How ingot's own installers (debianinstall, tinyinstall) say they failed: they then repeat it and stay up. */
    static final String INSTALLER_ERROR = "ingot-install: ERROR: ";
    private static final Pattern WORTH_SHOWING = Pattern.compile("(?i)ingot-install|error|fail|panic");
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration HEARTBEAT = Duration.ofSeconds(30);
    /** QEMU's SHUTDOWN event is sent before it exits; its connection closes right after. */
    private static final Duration SHUTDOWN_EVENT_WAIT = Duration.ofSeconds(2);

    @Override
    public String name() { return "wait-install"; }

    /** Why the installer will never finish, when its console line says so (a kernel panic, ingot's installer's error). */
    static String fatal(String line) {
        if (line.contains(KERNEL_PANIC)) return "the installer's kernel panicked: " + line.strip();
        int error = line.indexOf(INSTALLER_ERROR);
        return error < 0 ? null : "the installer failed: " + line.substring(error + INSTALLER_ERROR.length()).strip();
    }

    @Override
    public void run(BuildContext build) throws Exception {
        BuildVm installer = build.vm(VmRole.INSTALL);
        Vm vm = installer.vm();
        var boot = build.settings().boot();
        Duration timeout = Durations.parse(boot.timeout());
        Duration stallTimeout = Durations.parse(boot.stallTimeout());
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextBeat = start + HEARTBEAT.toNanos();
        SerialFollower serial = new SerialFollower(installer.serialLog());
        Set<String> seen = new HashSet<>();
        Progress progress = new Progress(stallTimeout.toNanos(), start);
        while (!vm.waitForExit(POLL)) {
            // only a line not seen before is progress: an installer repeating its error is stuck
            boolean[] printed = {false};
            String[] fatal = {null};
            serial.newLines(line -> {
                if (WORTH_SHOWING.matcher(line).find()) build.log().output("console", line);
                if (seen.size() > 100_000) seen.clear();
                printed[0] |= seen.add(line);
                if (fatal[0] == null) fatal[0] = fatal(line);
            });
            // such an installer never powers off (nor writes): failing now spares the stall timeout's wait
            if (fatal[0] != null) throw new IllegalStateException(fatal[0] + " (see its console)");
            long now = System.nanoTime();
            long written = diskBytesWritten(vm);
            if (progress.stalled(now, written, printed[0])) {
                throw new IllegalStateException("the installer made no progress for " + Durations.format(stallTimeout)
                        + " (no disk writes, no console output; boot.stallTimeout): it may wait at a question"
                        + " or have hung; see its screen");
            }
            if (now > deadline) {
                throw new IllegalStateException("the installer did not power off within " + Durations.format(timeout)
                        + " (boot.timeout)");
            }
            if (now > nextBeat) {
                build.log().info("still installing (" + Durations.format(Duration.ofNanos(now - start))
                        + ", " + (written >> 20) + " MiB written to the disk)");
                nextBeat = now + HEARTBEAT.toNanos();
            }
        }
        serial.newLines(line -> {
            if (WORTH_SHOWING.matcher(line).find()) build.log().output("console", line);
        });
        // QEMU also exits when ingot is being stopped (a signal, or the cleanup's quit) or is killed: only the guest
        // powering off (or resetting, under -no-reboot) ends an install; the event says which, where QEMU sent one
        JsonNode shutdown = vm.qmp().awaitEvent("SHUTDOWN", SHUTDOWN_EVENT_WAIT).orElse(null);
        String stoppedBy = hostReason(shutdown);
        if (stoppedBy != null) {
            throw new IllegalStateException("the installer's QEMU was stopped from the host (" + stoppedBy
                    + ") before the installer powered off");
        }
        int code = vm.exitCode().orElse(0);
        if (shutdown == null && code != 0) {
            throw new IllegalStateException("the installer's QEMU ended with exit code " + code
                    + " (killed, or it failed; no shutdown from the guest)");
        }
        build.log().info("the installer powered off after " + Durations.format(Duration.ofNanos(System.nanoTime() - start)));
        installer.end();
    }

    /**
     * The reason of a SHUTDOWN event that came from the host (host-signal, host-qmp-quit, host-ui ...), or null: no
     * event, or the guest's own (guest-shutdown, guest-reset).
     */
    static String hostReason(JsonNode shutdown) {
        if (shutdown == null) return null;
        String reason = shutdown.path("data").path("reason").asText("");
        return reason.startsWith("host-") ? reason : null;
    }

    /** Bytes the guest wrote to its disks so far (QMP query-blockstats), or -1 when QEMU does not say. */
    static long diskBytesWritten(Vm vm) {
        try {
            long sum = 0;
            for (JsonNode dev : vm.qmp().execute("query-blockstats")) sum += dev.path("stats").path("wr_bytes").asLong();
            return sum;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** When the installer last did something: wrote to a disk or printed on the console. */
    static final class Progress {
        private final long stallNanos;
        private long lastChange;
        private long lastWritten = Long.MIN_VALUE;

        Progress(long stallNanos, long now) {
            this.stallNanos = stallNanos;
            this.lastChange = now;
        }

        /** Records one observation; true once nothing changed for the stall time. */
        boolean stalled(long now, long written, boolean printed) {
            if (printed || written != lastWritten) {
                lastChange = now;
                lastWritten = written;
            }
            return now - lastChange > stallNanos;
        }
    }
}
