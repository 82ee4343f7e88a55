package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import org.junit.jupiter.api.Test;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** shutdown's fallbacks in order, against a fake VM: the power-off asked for, ACPI power-down, then kill and fail. */
class ShutdownStageTest {
    // no SSH session and no guest agent: the first request is an ACPI power-down too
    private static final String RECIPE = """
            name: downs
            media:
              iso: {builtin: tinyinstall}
            communicator:
              type: none
            shutdown:
              timeout: 1s
            """;

    @Test
    void aGuestThatPowersOffEndsTheStage(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        FakeVm vm = new FakeVm(Duration.ZERO, true);
        f.build.vm(new BuildVm(VmRole.PROVISION, vm, null, null, 0));
        new ShutdownStage().run(f.build);
        assertEquals(List.of("system_powerdown", "wait"), vm.calls);
        assertTrue(f.log().contains("the guest powered off"), f.log());
    }

    @Test
    void aGuestStillUpAtTheTimeoutGetsAnAcpiPowerDownAndOnlyAWarning(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        FakeVm vm = new FakeVm(Duration.ZERO, false, true);
        f.build.vm(new BuildVm(VmRole.PROVISION, vm, null, null, 0));
        new ShutdownStage().run(f.build);
        assertEquals(List.of("system_powerdown", "wait", "system_powerdown", "wait"), vm.calls);
        assertTrue(f.log().contains("WARNING:") && f.log().contains("the ACPI power-down did"), f.log());
    }

    @Test
    void aGuestIgnoringEverythingIsKilledAndFailsTheBuild(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        FakeVm vm = new FakeVm(Duration.ZERO, false, false);
        f.build.vm(new BuildVm(VmRole.PROVISION, vm, null, null, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ShutdownStage().run(f.build));
        assertEquals(List.of("system_powerdown", "wait", "system_powerdown", "wait", "stop"), vm.calls);
        assertTrue(e.getMessage().contains("did not power off within 1.0s nor after an ACPI power-down; QEMU was killed"), e.getMessage());
    }
}
