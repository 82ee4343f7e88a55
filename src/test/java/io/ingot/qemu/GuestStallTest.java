package io.ingot.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A guest's serial log read as it grows, for the kernel's report of a stalled CPU that the guest never got over. */
class GuestStallTest {
    /** The first report of the hang seen under QEMU 10.0's TCG (a Debian 12 capture boot, -smp 2). */
    private static final String RCU = "[   22.104711] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:";
    private final AtomicLong clock = new AtomicLong();

    private GuestStall watch(Path log) {
        return new GuestStall(log, Duration.ofMinutes(3), clock::get);
    }

    private static void append(Path log, String text) throws Exception {
        Files.writeString(log, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void aReportCountsAsAHangOnlyOnceTheGuestStayedSilentForThePatience(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial-ram.log");
        GuestStall stall = watch(log);
        assertEquals(Optional.empty(), stall.hung(), "no log yet");
        append(log, "[    0.000000] Linux version 6.1.0-28-cloud-amd64\n[    1.2] Run /init as init process\n");
        assertEquals(Optional.empty(), stall.hung());
        clock.addAndGet(Duration.ofSeconds(20).toNanos());
        append(log, RCU + "\n[   22.108] rcu: \t1-...!: (0 ticks this GP) idle=7818/0/0x0 softirq=16/16 fqs=1\n");
        assertEquals(Optional.empty(), stall.hung(), "a starved guest reports a stall too, and recovers");
        assertEquals(Optional.of(RCU.strip()), stall.report());
        clock.addAndGet(Duration.ofMinutes(3).toNanos() - 1);
        assertEquals(Optional.empty(), stall.hung());
        clock.addAndGet(1);
        String hung = stall.hung().orElseThrow();
        assertTrue(hung.startsWith("its kernel reported a stalled CPU 180s ago and it has not answered since"), hung);
        assertTrue(hung.endsWith("(serial-ram.log: " + RCU + ")"), hung);
    }

    @Test
    void aReportIsReadOnlyOnceItsLineIsWhole(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial.log");
        GuestStall stall = watch(log);
        append(log, "boot\n" + RCU.substring(0, 30));
        assertEquals(Optional.empty(), stall.report());
        append(log, RCU.substring(30) + "\n");
        assertEquals(Optional.of(RCU.strip()), stall.report());
    }

    @Test
    void aSoftLockupIsAStallToo(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial.log");
        String lockup = "[  48.3] watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [systemd-udevd:212]";
        append(log, lockup + "\n");
        assertEquals(Optional.of(lockup), watch(log).report());
        append(dir.resolve("other.log"), "[ 3.1] rcu: Hierarchical RCU implementation.\n[ 3.2] rcu: RCU restricting CPUs from NR_CPUS=8192 to nr_cpu_ids=2.\n");
        assertEquals(Optional.empty(), watch(dir.resolve("other.log")).report(), "RCU's boot lines are no report");
    }

    @Test
    void aWatchFromNowLeavesTheEarlierBootsOut(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial-provision.log");
        append(log, RCU + "\n[  60.0] reboot: Restarting system\n");
        GuestStall stall = new GuestStall(log, Duration.ZERO, clock::get);
        assertTrue(stall.hung().isPresent(), "the whole log: the report counts");
        GuestStall fromNow = GuestStall.watchingFromNow(log, Duration.ZERO);
        assertEquals(Optional.empty(), fromNow.hung(), "a guest that got over its stall and rebooted");
        append(log, "[    0.0] Linux version\n" + RCU + "\n");
        assertTrue(fromNow.hung().isPresent(), "a stall of the new boot counts");
    }

    @Test
    void aLogStartedAgainIsReadFromItsStart(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serial.log");
        append(log, "x".repeat(500) + "\n");
        GuestStall stall = watch(log);
        assertEquals(Optional.empty(), stall.report());
        Files.writeString(log, RCU + "\n"); // QEMU truncates its serial file when it starts again
        assertEquals(Optional.of(RCU.strip()), stall.report());
    }
}
