package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.QemuProcess;
import io.ingot.qemu.Tether;
import io.ingot.recipe.Recipe;
import io.ingot.util.Sizes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The parts of a build VM's command line that come from the recipe's {@code machine} section. */
final class GuestVm {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private GuestVm() { }

    /** A command with machine, accelerator, CPU, memory, the build disk, firmware and extra args; {@code role} names its files. */
    static QemuCommand.Builder command(BuildContext build, String role) throws Exception {
        Recipe.Machine m = build.recipe().recipe().machine();
        Path dir = build.buildDir();
        QemuCommand.Builder b = build.qemu().command("ingot-" + build.name() + "-" + build.buildId() + "-" + role)
                .machine(m.type())
                .accel(build.accelerator().name())
                .cpu(m.cpu())
                .smp(m.cpus())
                .memoryMiB(Sizes.parseMebibytes(m.memory()))
                .disk(build.disk(), m.disk().format(), m.disk().iface())
                .serialLog(dir.resolve("serial-" + role + ".log"))
                .qmp(build.runtimeDir().resolve(role + ".qmp"))
                .pidFile(dir.resolve("qemu-" + role + ".pid"));
        if ("uefi".equals(m.firmware())) b.extraArgs(Firmware.uefi(build));
        b.extraArgs(m.qemuArgs());
        return b;
    }

    /** Starts the VM as a child process and makes it the build's current guest. */
    static QemuProcess start(BuildContext build, QemuCommand cmd, String role) throws Exception {
        build.log().info("starting QEMU (" + build.accelerator().name() + "): " + cmd.display());
        QemuProcess vm = QemuProcess.start(cmd, build.buildDir(), build.paths().state().resolve("run"), START_TIMEOUT,
                tether(build));
        build.vm(vm);
        build.serialLog(cmd.serialLog());
        build.log().info("QEMU pid " + vm.pid() + ", serial console in " + build.buildDir().relativize(cmd.serialLog()));
        return vm;
    }

    /**
     * A build VM ends with its build's ingot process, even one killed outright; one that {@code --on-error abort}
     * may leave running takes the watchdog, which can let go of it.
     */
    static Tether tether(BuildContext build) {
        return Tether.forBuildVm(build.qemu().features(), build.options().onError() == OnError.ABORT);
    }

    /** Stops the build's current guest if it still runs (cleanup of the VM stages). */
    static void stop(BuildContext build) {
        QemuProcess vm = build.vm();
        if (vm != null && vm.isAlive()) {
            build.log().info("stopping QEMU pid " + vm.pid());
            vm.stop(Duration.ofSeconds(5));
        }
    }

    /** UEFI firmware from Debian's ovmf package, with a private copy of the variable store. */
    static final class Firmware {
        private static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE.fd");
        private static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS.fd");

        static java.util.List<String> uefi(BuildContext build) throws Exception {
            if (!Files.isRegularFile(CODE) || !Files.isRegularFile(VARS)) {
                throw new io.ingot.util.UserError("machine.firmware uefi needs OVMF: apt-get install ovmf");
            }
            Path vars = build.buildDir().resolve("OVMF_VARS.fd");
            if (!Files.exists(vars)) Files.copy(VARS, vars);
            return java.util.List.of(
                    "-drive", "if=pflash,format=raw,readonly=on,file=" + CODE,
                    "-drive", "if=pflash,format=raw,file=" + vars);
        }
    }
}
