package io.ingot.pipeline.stage;

import io.ingot.guest.CommandFailed;
import io.ingot.guest.CommandTimeout;
import io.ingot.guest.Disconnected;
import io.ingot.guest.ExecResult;
import io.ingot.guest.GuestException;
import io.ingot.guest.SshCommunicator;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe.Provisioner;
import io.ingot.util.Durations;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the recipe's provisioners in order over SSH: {@code shell} (inline lines or a script, run with
 * {@code sh -e}), {@code file} (upload of a file or a folder) and {@code reboot}; each with its timeout and
 * retries of the failures its {@code retryOn} lists (with a growing pause between attempts, see
 * {@link ProvisionerRetries}). An attempt after a lost connection reconnects first.
 */
public final class ProvisionStage implements Stage {
    private static final String BOOT_ID = "cat /proc/sys/kernel/random/boot_id";
    private final ProvisionerRetries retries;

    public ProvisionStage() {
        this(new ProvisionerRetries());
    }

    ProvisionStage(ProvisionerRetries retries) {
        this.retries = retries;
    }

    @Override
    public String name() { return "provision"; }

    @Override
    public void run(BuildContext build) throws Exception {
        List<Provisioner> steps = build.settings().provisioners();
        if (steps.isEmpty()) {
            build.log().info("no provisioners");
            return;
        }
        if (build.session() == null) throw new IllegalStateException("provisioners need communicator type ssh");
        for (int i = 0; i < steps.size(); i++) {
            Provisioner p = steps.get(i);
            String label = p.name() != null ? p.name() : p.type() + "#" + (i + 1);
            int index = i;
            retries.run(label, p.retries(), p.retryOn(), build.log()::info, () -> {
                if (!build.session().ssh().isConnected()) build.session().reopen(GuestConnection.timeout(build)); // after a lost connection
                runOne(build, p, label, index);
            });
        }
    }

    private void runOne(BuildContext build, Provisioner p, String label, int index) throws Exception {
        Duration timeout = Durations.parse(p.timeout());
        SshCommunicator ssh = build.session().ssh();
        switch (p.type()) {
            case "shell" -> {
                byte[] script = p.script() != null
                        ? Files.readAllBytes(build.settings().resolve(p.script()))
                        : (String.join("\n", p.inline()) + "\n").getBytes(StandardCharsets.UTF_8);
                String remote = "/tmp/ingot-provision-" + (index + 1) + ".sh";
                try {
                    ssh.upload(script, remote, "0700");
                } catch (GuestException e) {
                    throw failed(label, e);
                }
                ExecResult r;
                try {
                    r = ssh.exec("sh -e " + remote + "; rc=$?; rm -f " + remote + "; exit $rc", p.env(), timeout,
                            line -> build.log().output(label, line));
                } catch (CommandTimeout t) {
                    throw failed(label, t); // the timeout is per attempt
                } catch (Disconnected d) {
                    if (!p.expectsDisconnect()) {
                        throw new ProvisionerFailed(Provisioner.DISCONNECT, "provisioner '" + label + "' lost its SSH connection: "
                                + d.getMessage() + " (set expectDisconnect: true if the step reboots)");
                    }
                    build.log().info("provisioner " + label + " disconnected, as expected; reconnecting");
                    build.session().reopen(GuestConnection.timeout(build));
                    return;
                }
                if (r.exitStatus() != 0) {
                    throw new ProvisionerFailed(Provisioner.EXIT, "provisioner '" + label + "' exited with status " + r.exitStatus());
                }
            }
            case "file" -> {
                Path source = build.settings().resolve(p.source());
                try {
                    if (Files.isDirectory(source)) {
                        int files = ssh.uploadFolder(source, p.destination());
                        build.log().info("uploaded the folder " + p.source() + " (" + files + " files) to " + p.destination());
                    } else {
                        ssh.upload(source, p.destination(), Files.isExecutable(source) ? "0755" : "0644");
                        build.log().info("uploaded " + p.source() + " to " + p.destination());
                    }
                } catch (GuestException e) {
                    throw failed(label, e);
                }
            }
            case "reboot" -> {
                // boot_id changes with every boot: it tells the rebooted guest from the old one
                String bootId = ssh.run(BOOT_ID).strip();
                build.log().info("rebooting the guest");
                try {
                    ssh.exec("reboot", Map.of(), Duration.ofSeconds(30), line -> build.log().output(label, line));
                } catch (Disconnected expected) {
                    // the connection drops while the guest goes down
                }
                long deadline = System.nanoTime() + timeout.toNanos();
                while (true) {
                    SshCommunicator fresh = build.session().reopen(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    if (!fresh.run(BOOT_ID).strip().equals(bootId)) break;
                    if (System.nanoTime() > deadline) throw new ProvisionerFailed(Provisioner.TIMEOUT, "provisioner '" + label + "': the guest did not reboot");
                    Thread.sleep(1000);
                }
            }
            default -> throw new IllegalStateException("unknown provisioner type " + p.type());
        }
    }

    /**
     * A guest failure of a step as a provisioner failure of its kind: a command's exit status (an upload's too), a
     * timeout or a lost connection. Any other (a command that could not start, a file that cannot be read) is not a
     * provisioner failure: it ends the build at once.
     */
    private static RuntimeException failed(String label, GuestException e) {
        String kind = e instanceof CommandTimeout ? Provisioner.TIMEOUT : e instanceof Disconnected ? Provisioner.DISCONNECT
                : e instanceof CommandFailed ? Provisioner.EXIT : null;
        return kind == null ? e : new ProvisionerFailed(kind, "provisioner '" + label + "': " + e.getMessage());
    }

    /** A provisioner failed; {@code kind} ({@link Provisioner#FAILURES}) says whether its {@code retryOn} retries it. */
    static final class ProvisionerFailed extends RuntimeException {
        private final String kind;

        ProvisionerFailed(String kind, String message) {
            super(message);
            this.kind = kind;
        }

        String kind() { return kind; }
    }
}
