package io.ingot.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real QEMU under TCG, paused with -S and without disks: cheap on a 2-core machine. */
class QemuProcessIT {
    private final QemuInstallation qemu = QemuInstallation.detect();

    @TempDir
    Path dir;

    private QemuCommand paused(String name) {
        return qemu.command(name).accel("tcg").memoryMiB(64).paused(true)
                .qmp(dir.resolve(name + ".sock")).serialLog(dir.resolve(name + ".serial")).build();
    }

    private static boolean gone(long pid) {
        return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    @Test
    void startQueryContSendKeyAndStop() {
        Path runDir = dir.resolve("run");
        QemuProcess vm = QemuProcess.start(paused("it-basic"), dir, runDir, Duration.ofSeconds(10));
        long pid = vm.pid();
        try {
            assertTrue(Files.exists(runDir.resolve("it-basic.json")), "registry record written");
            assertEquals("prelaunch", vm.qmp().status());
            vm.qmp().cont();
            assertEquals("running", vm.qmp().status());
            assertTrue(vm.qmp().awaitEvent("RESUME", Duration.ofSeconds(5)).isPresent(), "RESUME event collected");
            vm.qmp().sendKey(List.of("shift", "a"), 50);

            QmpException err = assertThrows(QmpException.class, () -> vm.qmp().execute("no-such-command", Map.of()));
            assertEquals("CommandNotFound", err.errorClass());

            List<String> typed = new ArrayList<>();
            Path console = dir.resolve("console.txt");
            Keyboard keyboard = new Keyboard(vm.qmp(), Duration.ofMillis(5), console, Duration.ofSeconds(3), typed::add);
            new Thread(() -> {
                try {
                    Thread.sleep(300);
                    Files.writeString(console, "boot: \n");
                } catch (Exception ignored) {
                }
            }).start();
            keyboard.waitFor("boot:", 0);
            keyboard.typeText("Ab!");
            keyboard.pressKey("enter");
            keyboard.pause(Duration.ofMillis(10));
            assertEquals(List.of("waitFor 'boot:'", "type: Ab!", "key: <enter>", "wait 0.0s"), typed);

            QemuException timeout = assertThrows(QemuException.class,
                    () -> keyboard.waitFor("login: ?$", 0));
            assertTrue(timeout.getMessage().contains("'login: ?$'") && timeout.getMessage().contains("boot:"), timeout.getMessage());
        } finally {
            vm.stop(Duration.ofSeconds(5));
        }
        assertTrue(gone(pid), "QEMU pid " + pid + " is gone after stop");
        assertFalse(Files.exists(runDir.resolve("it-basic.json")), "registry record removed");
        assertFalse(vm.isAlive());
    }

    @Test
    void startFailureQuotesQemusError() {
        QemuCommand bad = qemu.command("it-bad").accel("tcg").memoryMiB(64).qmp(dir.resolve("bad.sock"))
                .extraArgs(List.of("-no-such-option")).build();
        QemuException e = assertThrows(QemuException.class, () -> QemuProcess.start(bad, dir, dir.resolve("run"), Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("-no-such-option"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("run").resolve("it-bad.json")));
    }

    @Test
    void aBuildVmStopsOnItsOwnWhenItsIngotIsKilled() throws Exception {
        Process child = child("it-tethered");
        long qemu = qemuPid(child);
        assertTrue(ProcessHandle.of(qemu).map(ProcessHandle::isAlive).orElse(false));
        new ProcessBuilder("kill", "-KILL", Long.toString(child.pid())).start().waitFor();
        ProcessHandle h = ProcessHandle.of(qemu).orElse(null);
        assertTrue(h == null || QemuProcess.waitGone(h, Duration.ofSeconds(15)), "QEMU ended with the ingot that started it");
        assertTrue(Files.readString(dir.resolve("qemu-it-tethered.log")).contains("terminating on signal 15"),
                "the tether (" + Tether.forBuildVm(this.qemu.features(), false) + ") ended QEMU with SIGTERM");
    }

    @Test
    void aVmLeftRunningOnPurposeOutlivesItsIngotAndIsStoppedOnlyWhenAsked() throws Exception {
        Process child = child("it-left", "leave");
        long qemu = qemuPid(child);
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        try {
            Thread.sleep(2000);
            assertTrue(gone(qemu) == false, "QEMU still runs after its ingot exited");
            RunRegistry registry = new RunRegistry(dir.resolve("run"));
            assertTrue(registry.find("it-left").orElseThrow().leftRunning(), "recorded as left running");
            List<String> reported = registry.reap(false);
            assertTrue(reported.get(0).contains("still runs, left by --on-error abort") && !gone(qemu), reported.toString());
            List<String> stopped = registry.reap(true);
            assertTrue(stopped.get(0).startsWith("stopped QEMU it-left"), stopped.toString());
            assertTrue(gone(qemu));
            assertTrue(registry.find("it-left").isEmpty());
        } finally {
            ProcessHandle.of(qemu).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private Process child(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TetheredChild.class.getName(), dir.toString()));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv).redirectErrorStream(true).start();
    }

    private static long qemuPid(Process child) throws Exception {
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("QEMU ")) return Long.parseLong(line.substring(5).strip());
            }
        }
        throw new AssertionError("the child never started QEMU");
    }

    @Test
    void reapStaleKillsOrphansOnly() throws Exception {
        Path runDir = dir.resolve("run");
        QemuProcess orphan = QemuProcess.start(paused("it-orphan"), dir, runDir, Duration.ofSeconds(10));
        QemuProcess owned = QemuProcess.start(paused("it-owned"), dir, runDir, Duration.ofSeconds(10));
        try {
            // Pretend the orphan's owner JVM died: point its record at a process that has exited.
            Process dead = new ProcessBuilder("true").start();
            String deadStart = dead.toHandle().info().startInstant().map(Object::toString).orElse(null);
            dead.waitFor();
            ObjectMapper json = new ObjectMapper();
            Path record = runDir.resolve("it-orphan.json");
            RunRecord r = json.readValue(record.toFile(), RunRecord.class);
            json.writeValue(record.toFile(), new RunRecord(r.name(), r.pid(), r.start(), r.command(), dead.pid(), deadStart));

            List<String> reaped = QemuProcess.reapStale(runDir);

            assertEquals(1, reaped.size(), reaped.toString());
            assertTrue(reaped.get(0).contains("killed stale QEMU it-orphan"), reaped.toString());
            assertTrue(gone(orphan.pid()), "orphan killed");
            assertFalse(Files.exists(record), "orphan record removed");
            assertTrue(owned.isAlive(), "QEMU of a live owner left alone");
            assertTrue(Files.exists(runDir.resolve("it-owned.json")));
        } finally {
            orphan.stop(Duration.ofSeconds(2));
            owned.stop(Duration.ofSeconds(5));
        }
        assertTrue(gone(owned.pid()));
    }
}
