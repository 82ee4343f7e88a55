package io.ingot.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingot.recipe.BootAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
            keyboard.type(List.of(new BootAction.WaitFor("boot:"), new BootAction.Type("Ab!"), new BootAction.Key("enter"),
                    new BootAction.Wait(Duration.ofMillis(10))));
            assertEquals(List.of("waitFor 'boot:'", "type: Ab!", "key: <enter>", "wait 0.0s"), typed);

            QemuException timeout = assertThrows(QemuException.class,
                    () -> keyboard.type(List.of(new BootAction.WaitFor("login: ?$"))));
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
