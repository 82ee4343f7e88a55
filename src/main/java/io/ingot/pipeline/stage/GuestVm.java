package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import io.ingot.pipeline.OnError;
import io.ingot.qemu.Ovmf;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.ScreenRecorder;
import io.ingot.qemu.Tether;
import io.ingot.qemu.Vm;
import io.ingot.qemu.VmDriver;
import io.ingot.recipe.Recipe;
import io.ingot.util.Sizes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/** The parts of a build VM's command line that come from the recipe's {@code machine} section. */
final class GuestVm {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** How often a build VM's screen is saved into the build directory. */
    static final Duration SCREEN_INTERVAL = Duration.ofSeconds(5);
    static final String SCREEN_FILE = "screen.png";
    /** Waits, under systemd, for the end of the guest's boot (every unit started or failed; a degraded system counts). */
    static final String AWAIT_BOOT_END = "if [ -d /run/systemd/system ]; then systemctl is-system-running --wait > /dev/null || true; fi";
    /**
     * After {@link #AWAIT_BOOT_END}, true (exit 0) where cloud-init has nothing left to do in this boot, known without
     * running it (seconds of Python under emulation): under systemd, whose boot includes cloud-init's last stage,
     * cloud-init either wrote its result file (at the end of that stage) or never started (no status file: off in
     * this boot). Elsewhere, or when neither holds, {@code cloud-init status --wait} is what can tell.
     */
    static final String CLOUD_INIT_SETTLED = "[ -d /run/systemd/system ] && { [ -e /run/cloud-init/result.json ] || [ ! -e /run/cloud-init/status.json ]; }";
    /** After {@link #CLOUD_INIT_SETTLED}: true unless cloud-init's result file lists errors. */
    static final String CLOUD_INIT_RESULT_CLEAN = "{ [ ! -e /run/cloud-init/result.json ] || grep -q '\"errors\": \\[\\]' /run/cloud-init/result.json; }";
    private GuestVm() { }

    /**
     * A command with machine, accelerator, CPU, memory, the build disk, firmware, a display adapter (its
     * screen is saved as screen.png; {@code --vnc} shows it live), the guest agent channel and extra args;
     * {@code vmRole} names its files.
     */
    static QemuCommand.Builder command(BuildContext build, VmRole vmRole) throws Exception {
        String role = vmRole.fileName();
        Recipe.Machine m = build.settings().machine();
        Path dir = build.buildDir();
        QemuCommand.Builder b = build.qemu().command("ingot-" + build.name() + "-" + build.buildId() + "-" + role)
                .machine(m.type())
                .accel(build.accelerator().name())
                .cpu(m.cpu())
                .smp(m.cpus())
                .memoryMiB(Sizes.parseMebibytes(m.memory()))
                .disk(build.disk().path(), build.disk().format(), m.disk().iface())
                .serialLog(dir.resolve("serial-" + role + ".log"))
                .qmp(build.runtimeDir().resolve(role + ".qmp"))
                .pidFile(dir.resolve("qemu-" + role + ".pid"))
                .vga("std");
        if (build.options().vnc()) b.vnc("127.0.0.1:0,to=99");
        if (m.hasGuestAgent()) b.guestAgent(agentSocket(build));
        // one variable store for the build's VMs: what the installer wrote to NVRAM, the installed system finds
        if (m.isUefi()) Ovmf.apply(b, dir);
        b.extraArgs(m.qemuArgs());
        return b;
    }

    /** The host end of the build VMs' guest agent channel. */
    static Path agentSocket(BuildContext build) {
        return build.runtimeDir().resolve("qga.sock");
    }

    /**
     * Starts the VM as a child process and sets it as the build's VM of that role; its screen is recorded.
     * {@code sshPort}: the loopback port forwarded to its SSH port, 0 for none.
     */
    static Vm start(BuildContext build, VmDriver driver, QemuCommand cmd, VmRole role, int sshPort) throws Exception {
        return start(build, driver, cmd, role, sshPort, build::vm);
    }

    /** As {@link #start}, for a VM of that role booted again after its first process was stopped. */
    static Vm startAgain(BuildContext build, VmDriver driver, QemuCommand cmd, VmRole role, int sshPort) throws Exception {
        return start(build, driver, cmd, role, sshPort, build::vmBootedAgain);
    }

    private static Vm start(BuildContext build, VmDriver driver, QemuCommand cmd, VmRole role, int sshPort,
                            Consumer<BuildVm> record) throws Exception {
        build.log().info("starting QEMU (" + build.accelerator().name() + "): " + cmd.display());
        Vm vm = driver.start(cmd, build.buildDir(), build.paths().state().resolve("run"), START_TIMEOUT, tether(build));
        ScreenRecorder screen = cmd.argv().contains("-vga")
                ? ScreenRecorder.start(vm, build.buildDir().resolve(SCREEN_FILE), SCREEN_INTERVAL) : null;
        record.accept(new BuildVm(role, vm, cmd.serialLog(), screen, sshPort));
        build.log().info("QEMU pid " + vm.pid() + ", serial console in " + build.buildDir().relativize(cmd.serialLog()));
        if (screen != null) {
            if (build.options().vnc()) {
                var vnc = vm.qmp().execute("query-vnc");
                build.log().stage("VNC: vnc://" + vnc.path("host").asText("127.0.0.1") + ":" + vnc.path("service").asText()
                        + " (the " + role + " VM's screen; loopback only)");
            }
        }
        return vm;
    }

    /**
     * A build VM ends with its build's ingot process, even one killed outright; one that {@code --on-error abort}
     * may leave running takes the watchdog, which can let go of it.
     */
    static Tether tether(BuildContext build) {
        return Tether.forBuildVm(build.qemu().features(), build.options().onError() == OnError.ABORT);
    }

    /** Stops the build's VM of that role if it still runs (cleanup of the stage that started it). */
    static void stop(BuildContext build, VmRole role) {
        BuildVm v = build.vm(role);
        if (v == null) return;
        if (v.vm().isAlive()) {
            build.log().info("stopping QEMU pid " + v.vm().pid());
            v.vm().stop(Duration.ofSeconds(5));
        }
        v.end();
    }
}
