package io.ingot.pipeline.stage;

import io.ingot.guest.BuildKey;
import io.ingot.guest.ExecResult;
import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildLog;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.QemuImg;
import io.ingot.recipe.Recipe;
import io.ingot.server.PortAllocator;
import io.ingot.util.Durations;
import io.ingot.vm.CloneRunner;
import io.ingot.vm.SeedBuilder;
import io.ingot.vm.VmConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Boots a linked clone of the base image in a scratch area (the build directory), with a seed like
 * every clone's, waits for SSH with ingot's access key and runs the recipe's verify checks. A failing
 * check fails the build before anything is published.
 */
public final class VerifyStage implements Stage {
    private static final String DEFAULT_TIMEOUT = "5m";

    private final PortAllocator ports;
    private final QemuImg qemuImg = new QemuImg();

    public VerifyStage(PortAllocator ports) { this.ports = ports; }

    @Override
    public String name() { return "verify"; }

    /**
     * The verify clone's VM name: one per build (build ids are unique across recipes). It also names the QMP socket
     * in the build's runtime directory, whose path must stay within 107 bytes: hence no recipe name in it.
     */
    static String vmName(String buildId) {
        return "verify-" + buildId;
    }

    /** Runs one command in the guest, its output lines to {@code sink}; the SSH session in a build, a fake in tests. */
    @FunctionalInterface
    interface GuestExec {
        ExecResult exec(String command, Duration timeout, Consumer<String> sink);
    }

    /** The recipe's checks in order; the first that exits non-zero fails the build, and the checks after it do not run. */
    static void runChecks(List<Recipe.VerifyCheck> checks, GuestExec guest, BuildLog log) {
        for (Recipe.VerifyCheck check : checks) {
            String label = check.name() != null ? check.name() : check.run();
            ExecResult r = guest.exec(check.run(), Durations.parse(check.timeout() != null ? check.timeout() : DEFAULT_TIMEOUT),
                    line -> log.output("verify " + label, line));
            if (r.exitStatus() != 0) {
                throw new IllegalStateException("verify check '" + label + "' failed with exit status "
                        + r.exitStatus() + "; nothing was published");
            }
            log.info("verify check '" + label + "' passed");
        }
    }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe recipe = build.recipe().recipe();
        if (!recipe.communicator().isSsh()) {
            throw new IllegalStateException("verify checks run over SSH; communicator is none");
        }
        Path dir = build.buildDir().resolve("verify");
        Files.createDirectories(dir);
        Path overlay = dir.resolve("disk.qcow2");
        Files.deleteIfExists(overlay);
        qemuImg.createOverlay(overlay, dir.relativize(build.template().baseImage()).toString(), "qcow2");
        String instanceId = UUID.randomUUID().toString();
        var access = build.images().accessKey();
        String hostname = recipe.name() + "-verify";
        Path seed = new SeedBuilder().build(dir, instanceId, hostname, List.of(access.publicKeyLine()));
        var m = build.manifest();
        // the build id in its name: two builds of one recipe never share a QEMU name or run record
        VmConfig vm = new VmConfig(vmName(build.buildId()), null, "linked", null, Instant.now(),
                new VmConfig.DiskRef(overlay.toString(), "qcow2", build.template().baseImage().toString()), seed.toString(),
                new VmConfig.Machine(m.machineType(), m.cpuModel(), m.cpus(), m.memoryMiB(), m.devices()),
                List.of(new VmConfig.NicConfig(recipe.machine().nic().model(), null)),
                UUID.randomUUID().toString(), UUID.randomUUID().toString(), instanceId);
        CloneRunner runner = new CloneRunner(build.qemu(), build.accelerator(), ports, build.paths().state().resolve("run"));
        try (CloneRunner.Running running = runner.start(vm, dir, build.runtimeDir())) {
            build.log().info("verify clone " + running.process().command().name() + " booting (QEMU pid " + running.process().pid() + ")");
            BuildKey key = BuildKey.load(access.privateKeyPath());
            try (SshCommunicator ssh = SshCommunicator.connect(SshLogin.of("127.0.0.1", running.sshPort(),
                    recipe.communicator().user(), key.keyPair(), GuestConnection.timeout(build)).reporting(
                    line -> build.log().info("ssh: " + line),
                    () -> running.process().isAlive() ? null : "the verify clone's QEMU exited"))) {
                runChecks(recipe.verify(), (command, timeout, sink) -> ssh.exec(command, Map.of(), timeout, sink), build.log());
            }
        } finally {
            Files.deleteIfExists(overlay);
        }
    }
}
