package io.ingot.pipeline.stage;

import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshNotReady;
import io.ingot.guest.TestSshServer;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ram-template stage's wait for the capture VM: a capture VM whose kernel reported a stalled CPU and that then
 * stayed silent is booted again, once; a second hang, or a guest silent without a report, fails the build.
 * FakeVm for QEMU, a real SSH server on loopback for the guest that answers.
 */
class RamTemplateStageTest {
    private static final String RECIPE = """
            name: cap
            media:
              iso: {builtin: tinyinstall}
            communicator:
              timeout: 3s
            template:
              ram: true
            """;
    private static final String STALL = "[   22.104711] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:";
    private final BuildKey key = BuildKey.generate();
    private final List<FakeVm> stopped = new ArrayList<>();

    /** A capture VM of the build: its serial log holds {@code console}; nothing listens on its SSH port unless given. */
    private static BuildVm capture(StageFixture f, String logName, String console, int sshPort) throws Exception {
        Path log = f.build.buildDir().resolve(logName);
        Files.createDirectories(log.getParent());
        Files.writeString(log, console);
        return new BuildVm(VmRole.CAPTURE, new FakeVm(Duration.ZERO), log, null, sshPort);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Boots "again" into {@code next}, as CaptureBootStage.bootAgain does: the VM that hung stopped, the new one recorded. */
    private RamTemplateStage.BootAgain into(List<BuildVm> next) {
        return build -> {
            FakeVm hung = (FakeVm) build.vm(VmRole.CAPTURE).vm();
            hung.stop(Duration.ofSeconds(5));
            stopped.add(hung);
            build.vmBootedAgain(next.remove(0));
        };
    }

    @Test
    void aCaptureVmThatHungIsBootedAgainAndTheStageGoesOnWithTheNewBoot(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        f.build.vm(capture(f, "serial-ram.log", "[    0.0] Linux version\n" + STALL + "\n", freePort()));
        try (TestSshServer guest = new TestSshServer(BuildKey.generate(), key.keyPair().getPublic(), 0).start()) {
            List<BuildVm> next = new ArrayList<>(List.of(capture(f, "serial-ram-2.log", "[    0.0] Linux version\n", guest.port())));
            RamTemplateStage stage = new RamTemplateStage(into(next), Duration.ZERO);
            try (SshCommunicator ssh = stage.awaitCapture(f.build, key)) {
                assertEquals("answered", ssh.run("echo answered").strip());
            }
            assertEquals(1, stopped.size(), "the VM that hung was stopped");
            assertEquals(guest.port(), f.build.vm(VmRole.CAPTURE).sshPort(), "the build goes on with the new boot");
            assertTrue(f.log().contains("the capture VM hung while it booted (" + STALL + "); booting it again"), f.log());
        }
    }

    @Test
    void aSecondHangFailsTheStageSayingWhy(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        f.build.vm(capture(f, "serial-ram.log", STALL + "\n", freePort()));
        List<BuildVm> next = new ArrayList<>(List.of(capture(f, "serial-ram-2.log", STALL + "\n", freePort())));
        RamTemplateStage stage = new RamTemplateStage(into(next), Duration.ZERO);
        SshNotReady e = assertThrows(SshNotReady.class, () -> stage.awaitCapture(f.build, key));
        assertTrue(e.getMessage().contains("the capture VM hung: its kernel reported a stalled CPU"), e.getMessage());
        assertTrue(e.getMessage().contains("serial-ram-2.log: " + STALL), e.getMessage());
        assertEquals(1, stopped.size(), "booted again once only");
    }

    @Test
    void aSilentGuestWithoutAReportIsNotBootedAgain(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, RECIPE);
        f.build.vm(capture(f, "serial-ram.log", "[    0.0] Linux version\n[    9.9] systemd[1]: Started ssh.service\n", freePort()));
        RamTemplateStage stage = new RamTemplateStage(into(new ArrayList<>()), Duration.ZERO);
        SshNotReady e = assertThrows(SshNotReady.class, () -> stage.awaitCapture(f.build, key));
        assertTrue(e.getMessage().contains("did not answer within 3s"), e.getMessage());
        assertFalse(e.getMessage().contains("hung"), e.getMessage());
        assertEquals(List.of(), stopped);
    }
}
