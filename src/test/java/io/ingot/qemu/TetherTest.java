package io.ingot.qemu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a build VM's command line is tied to ingot, by what QEMU offers and --on-error. */
class TetherTest {
    private static final QemuFeatures WITHOUT_EXIT_WITH_PARENT = new QemuFeatures(true, true, true, false);
    private static final QemuFeatures WITH_EXIT_WITH_PARENT = new QemuFeatures(true, true, true, true);

    private static QemuCommand cmd() {
        return QemuCommand.builder(Path.of("/usr/bin/qemu-system-x86_64"), "ingot-t-1-install").qmp(Path.of("/tmp/x.qmp")).build();
    }

    @Test
    void qemuWithExitWithParentUsesItUnlessTheVmMayBeLeftRunning() {
        assertEquals(Tether.EXIT_WITH_PARENT, Tether.forBuildVm(WITH_EXIT_WITH_PARENT, false));
        assertEquals(Tether.WATCHDOG, Tether.forBuildVm(WITH_EXIT_WITH_PARENT, true), "--on-error abort must be able to let go");
        assertEquals(Tether.WATCHDOG, Tether.forBuildVm(WITHOUT_EXIT_WITH_PARENT, false));
        QemuCommand c = Tether.EXIT_WITH_PARENT.apply(cmd());
        assertEquals(List.of("-run-with", "exit-with-parent=on"), c.argv().subList(c.argv().size() - 2, c.argv().size()));
    }

    @Test
    void theWatchdogExecsQemuWhoseOwnCommandLineIsKept() {
        QemuCommand plain = cmd();
        QemuCommand c = Tether.WATCHDOG.apply(plain);
        assertEquals(List.of("sh", "-c"), c.argv().subList(0, 2));
        assertTrue(c.argv().get(2).contains("exec \"$@\""), c.argv().get(2));
        assertEquals(plain.argv(), c.qemuArgv());
        assertEquals(plain.display(), c.display(), "logs show QEMU's command line, not the wrapper");
        QemuCommand inSession = c.wrappedIn(List.of("setsid"));
        assertEquals(plain.argv(), inSession.qemuArgv());
        assertEquals(plain.argv(), Tether.NONE.apply(plain).argv());
    }
}
