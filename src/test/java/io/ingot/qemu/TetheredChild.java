package io.ingot.qemu;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate JVM that starts a paused QEMU tied to it as a build VM is (QemuProcessIT kills it with SIGKILL), or,
 * with "leave", lets it go as --on-error abort does and exits. Args: DIR NAME [leave].
 */
public final class TetheredChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        QemuInstallation qemu = QemuInstallation.detect();
        QemuCommand cmd = qemu.command(args[1]).accel("tcg").memoryMiB(64).paused(true)
                .qmp(dir.resolve(args[1] + ".qmp")).build();
        QemuProcess vm = QemuProcess.start(cmd, dir, dir.resolve("run"), Duration.ofSeconds(20),
                Tether.forBuildVm(qemu.features(), args.length > 2));
        if (args.length > 2) vm.leaveRunning();
        System.out.println("QEMU " + vm.pid());
        System.out.flush();
        if (args.length > 2) System.exit(0);
        Thread.sleep(Long.MAX_VALUE);
    }
}
