package io.ingot.qemu;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Reads a guest's serial console log, as it grows, for the Linux kernel's reports of a CPU that stopped (an RCU
 * stall, a soft lockup). Seen under TCG (QEMU 10.0, {@code -smp 2}): a vCPU whose timer never fired again from the
 * first seconds of the boot, the guest never reaching SSH, its kernel repeating the report for as long as it ran. A
 * guest starved by a loaded host reports stalls too, and recovers: a report counts as a hang only once the caller
 * has waited {@code patience} since this watch first read it, still without an answer from the guest.
 */
public final class GuestStall {
    /** What the kernel prints when a CPU stopped (RCU's stall detector, the soft-lockup watchdog). */
    private static final Pattern REPORT = Pattern.compile(
            "rcu: INFO: rcu_\\w+ (self-)?detected stalls?|watchdog: BUG: soft lockup");
    /**
     * How long a guest that reported a stall is given to answer anyway: the hung guest seen repeated its report for
     * the ten minutes it ran; a starved guest reports after 21 s without CPU, and recovers well within this.
     */
    public static final Duration PATIENCE = Duration.ofMinutes(3);

    private final Path log;
    private final SerialFollower lines;
    private final Duration patience;
    private final LongSupplier nanoClock;
    private String report;
    private long reportSeenAt;

    public GuestStall(Path log, Duration patience, LongSupplier nanoClock) {
        this(log, new SerialFollower(log), patience, nanoClock);
    }

    private GuestStall(Path log, SerialFollower lines, Duration patience, LongSupplier nanoClock) {
        this.log = log;
        this.lines = lines;
        this.patience = patience;
        this.nanoClock = nanoClock;
    }

    /** Reads the whole log (none when null): the boot being waited for is the one it holds. */
    public static GuestStall watching(Path log, Duration patience) {
        return new GuestStall(log, patience, System::nanoTime);
    }

    /** Reads only what comes after its current end: the guest is rebooting, its earlier boots are not waited for. */
    public static GuestStall watchingFromNow(Path log, Duration patience) {
        SerialFollower lines = new SerialFollower(log);
        try {
            lines.skipToEnd();
        } catch (IOException e) {
            // unreadable now: all of it counts
        }
        return new GuestStall(log, lines, patience, System::nanoTime);
    }

    /**
     * Reads what the guest printed since the last look; once a report has been seen for {@code patience}, says so
     * (with the report's line) for the message of whoever gave up waiting.
     */
    public synchronized Optional<String> hung() {
        readNew();
        if (report == null || nanoClock.getAsLong() - reportSeenAt < patience.toNanos()) return Optional.empty();
        return Optional.of("its kernel reported a stalled CPU " + seconds(nanoClock.getAsLong() - reportSeenAt)
                + " ago and it has not answered since (" + log.getFileName() + ": " + report + ")");
    }

    /** The first report read so far, if any. */
    public synchronized Optional<String> report() {
        readNew();
        return Optional.ofNullable(report);
    }

    private void readNew() {
        if (report != null) return;
        try {
            lines.newLines(line -> {
                if (report == null && REPORT.matcher(line).find()) {
                    report = line.strip();
                    reportSeenAt = nanoClock.getAsLong();
                }
            });
        } catch (IOException e) {
            // unreadable for now: the next look tries again
        }
    }

    private static String seconds(long nanos) {
        return Math.round(nanos / 1e9) + "s";
    }
}
