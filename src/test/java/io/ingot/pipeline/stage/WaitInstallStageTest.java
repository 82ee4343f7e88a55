package io.ingot.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.util.Json;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** wait-install against a fake VM: power-off ends it, an installer that neither writes nor prints is stalled. */
class WaitInstallStageTest {
    private static final String RECIPE = """
            name: waits
            media:
              iso: {builtin: tinyinstall}
            boot:
              timeout: 1m
              stallTimeout: 1s
            """;

    private static FakeVm writing(AtomicLong written, Boolean... exits) {
        FakeVm vm = new FakeVm(Duration.ofMillis(20), exits);
        return vm.answering(c -> Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode()
                .set("stats", Json.MAPPER.createObjectNode().put("wr_bytes", written.get()))));
    }

    @Test
    void theInstallerPoweringOffEndsTheStageAndForgetsTheVm(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        Files.createDirectories(f.build.buildDir());
        Path serial = f.build.buildDir().resolve("serial-install.log");
        Files.writeString(serial, "ingot-install: partitioning\nnothing to see\n");
        f.build.vm(new BuildVm(VmRole.INSTALL, writing(new AtomicLong(), false, false, true), serial, null, 0));
        new WaitInstallStage().run(f.build);
        assertNull(f.build.currentVm(), "the installer VM is gone");
        assertTrue(f.log().contains("console: ingot-install: partitioning"), "progress lines are echoed: " + f.log());
        assertTrue(f.log().contains("the installer powered off after"), f.log());
    }

    private static JsonNode shutdown(String reason) {
        ObjectNode e = Json.MAPPER.createObjectNode().put("event", "SHUTDOWN");
        e.putObject("data").put("guest", reason.startsWith("guest-")).put("reason", reason);
        return e;
    }

    @Test
    void theGuestsOwnPowerOffOrResetEndsTheInstall(@TempDir Path dir) throws Exception {
        for (String reason : List.of("guest-shutdown", "guest-reset")) {
            Files.createDirectories(dir.resolve(reason));
            StageFixture f = new StageFixture(dir.resolve(reason), RECIPE);
            Files.createDirectories(f.build.buildDir());
            FakeVm vm = writing(new AtomicLong(), false, true).sending(shutdown(reason));
            f.build.vm(new BuildVm(VmRole.INSTALL, vm, f.build.buildDir().resolve("serial-install.log"), null, 0));
            new WaitInstallStage().run(f.build);
            assertTrue(f.log().contains("the installer powered off after"), reason + ": " + f.log());
            assertTrue(vm.calls.contains("await SHUTDOWN"), "the stage read QEMU's event");
        }
    }

    @Test
    void qemuStoppedFromTheHostIsNoFinishedInstall(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        Files.createDirectories(f.build.buildDir());
        // ingot stopped by a signal during the install: its QEMU exits too, with the host's reason
        FakeVm vm = writing(new AtomicLong(), false, true).sending(shutdown("host-signal"));
        f.build.vm(new BuildVm(VmRole.INSTALL, vm, f.build.buildDir().resolve("serial-install.log"), null, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new WaitInstallStage().run(f.build));
        assertEquals("the installer's QEMU was stopped from the host (host-signal) before the installer powered off", e.getMessage());
        assertFalse(f.log().contains("the installer powered off after"), f.log());
    }

    @Test
    void qemuKilledWithoutAShutdownIsNoFinishedInstall(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        Files.createDirectories(f.build.buildDir());
        // SIGKILL: no SHUTDOWN event, exit code 128 + 9
        FakeVm vm = writing(new AtomicLong(), false, true).exitingWith(137);
        f.build.vm(new BuildVm(VmRole.INSTALL, vm, f.build.buildDir().resolve("serial-install.log"), null, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new WaitInstallStage().run(f.build));
        assertEquals("the installer's QEMU ended with exit code 137 (killed, or it failed; no shutdown from the guest)", e.getMessage());
    }

    @Test
    void noDiskWritesAndNoNewConsoleLinesForTheStallTimeoutFailTheStage(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        Files.createDirectories(f.build.buildDir());
        FakeVm vm = writing(new AtomicLong(4096));
        f.build.vm(new BuildVm(VmRole.INSTALL, vm, f.build.buildDir().resolve("serial-install.log"), null, 0));
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new WaitInstallStage().run(f.build));
        assertTrue(e.getMessage().contains("made no progress for 1.0s"), e.getMessage());
        assertTrue(System.nanoTime() - t0 >= Duration.ofSeconds(1).toNanos(), "not before the stall timeout");
        assertTrue(vm.calls.contains("query-blockstats"), "disk writes are read over QMP");
    }

    @Test
    void diskWritesKeepAQuietInstallerAlive(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        Files.createDirectories(f.build.buildDir());
        AtomicLong written = new AtomicLong();
        // about 2.5 s of polls, more than twice the stall timeout, each with a write; then it powers off
        Boolean[] exits = new Boolean[126];
        Arrays.fill(exits, false);
        exits[125] = true;
        f.build.vm(new BuildVm(VmRole.INSTALL, writing(written, exits).onWait(() -> written.addAndGet(512)),
                f.build.buildDir().resolve("serial-install.log"), null, 0));
        new WaitInstallStage().run(f.build);
        assertTrue(f.log().contains("the installer powered off"), f.log());
    }

    @Test
    void aKernelPanicOnTheConsoleFailsTheStageAtOnce(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE.replace("stallTimeout: 1s", "stallTimeout: 1m"));
        Files.createDirectories(f.build.buildDir());
        Path serial = f.build.buildDir().resolve("serial-install.log");
        Files.writeString(serial, "[    0.044000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug\n");
        f.build.vm(new BuildVm(VmRole.INSTALL, writing(new AtomicLong()), serial, null, 0));
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new WaitInstallStage().run(f.build));
        assertTrue(e.getMessage().startsWith("the installer's kernel panicked: [    0.044000] Kernel panic - not syncing: IO-APIC"),
                e.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "long before the stall timeout");
    }

    @Test
    void anErrorOfIngotsInstallerFailsTheStageAtOnceWithItsMessage(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE.replace("stallTimeout: 1s", "stallTimeout: 1m"));
        Files.createDirectories(f.build.buildDir());
        Path serial = f.build.buildDir().resolve("serial-install.log");
        // as debianinstall's init prints it (on the serial console, then every 30 s), the installer still up
        Files.writeString(serial, "ingot-install: creating file systems\r\n"
                + "ingot-install: ERROR: mkfs.ext4 /dev/vda1: Device size reported to be zero.\r\n");
        f.build.vm(new BuildVm(VmRole.INSTALL, writing(new AtomicLong()), serial, null, 0));
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new WaitInstallStage().run(f.build));
        assertEquals("the installer failed: mkfs.ext4 /dev/vda1: Device size reported to be zero. (see its console)", e.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "long before the stall timeout");
    }
}
