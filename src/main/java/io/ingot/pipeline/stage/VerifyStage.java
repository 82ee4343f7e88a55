package io.ingot.pipeline.stage;

import io.ingot.guest.BuildKey;
import io.ingot.guest.ExecResult;
import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildSettings;
import io.ingot.pipeline.BuildLog;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;
import io.ingot.server.PortAllocator;
import io.ingot.util.Durations;
import io.ingot.vm.CloneRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the recipe's verify checks over SSH with ingot's access key in a clone made in a scratch area (the build
 * directory), with a seed like every clone's: a memory clone of the RAM template this build captured, named
 * NAME-verify, which resumes in seconds and takes that name through onRestore; without a RAM template a linked
 * clone of the base image, booted cold (see {@link VerifyClone}). A failing check fails the build before anything
 * is published.
 */
public final class VerifyStage implements Stage {
    private static final String DEFAULT_TIMEOUT = "5m";

    private final PortAllocator ports;

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
        BuildSettings settings = build.settings();
        if (!settings.communicator().isSsh()) {
            throw new IllegalStateException("verify checks run over SSH; communicator is none");
        }
        Path dir = build.buildDir().resolve("verify");
        Files.createDirectories(dir);
        String hostname = settings.name() + "-verify";
        CloneRunner runner = new CloneRunner(build.qemu(), build.accelerator(), ports, build.paths().state().resolve("run"));
        VerifyClone clone = new VerifyClone(build, runner, dir);
        Files.deleteIfExists(clone.overlay());
        // the build id in the clone's name: two builds of one recipe never share a QEMU name or run record
        boolean resumed = clone.fromRam();
        try (CloneRunner.Running running = resumed ? clone.resume(vmName(build.buildId()), hostname)
                : clone.boot(vmName(build.buildId()), hostname)) {
            BuildKey key = BuildKey.load(build.images().accessKey().privateKeyPath());
            SshLogin login = SshLogin.of("127.0.0.1", running.sshPort(), settings.communicator().user(), key.keyPair(),
                    GuestConnection.timeout(build)).reporting(line -> build.log().info("ssh: " + line),
                    () -> running.process().isAlive() ? null : "the verify clone's QEMU exited");
            // a resumed clone was just logged in to (its identity refresh): no banner probes, each of which would start
            // one more sshd in the guest, slower under emulation than a probe waits (~4 s of them before the first check)
            try (SshCommunicator ssh = SshCommunicator.connect(resumed ? login.first(SshLogin.FirstAttempt.REACHABLE) : login)) {
                runChecks(settings.verify(), (command, timeout, sink) -> ssh.exec(command, Map.of(), timeout, sink), build.log());
            }
        } finally {
            Files.deleteIfExists(clone.overlay());
        }
    }
}
