package io.ingot.clone;

import io.ingot.guest.ExecResult;
import io.ingot.guest.SshCommunicator;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Gives a resumed memory clone its own identity: every memory clone wakes up as the captured template
 * (hostname, host keys, machine-id, keys, clock), so the recipe's {@code onRestore} steps run over SSH
 * with ingot's access key and the clone's identity in the environment: INGOT_HOSTNAME,
 * INGOT_INSTANCE_ID, INGOT_AUTHORIZED_KEYS (one key a line, from its seed) and INGOT_EPOCH.
 */
public final class IdentityRefresh {
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(2);

    /** Runs onRestore and returns once a fresh SSH connection answers (with the clone's new host key, if it made one). */
    public static String refresh(VmConfig vm, int sshPort, KeyPair access, Duration timeout, Consumer<String> log) throws IOException {
        try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", sshPort, "root", access, timeout)) {
            if (vm.ram().onRestore().isEmpty()) return ssh.hostKeyFingerprint();
            runOnRestore(ssh, vm, log);
        }
        try (SshCommunicator fresh = SshCommunicator.connect("127.0.0.1", sshPort, "root", access, timeout)) {
            return fresh.hostKeyFingerprint();
        }
    }

    /** Runs the clone's onRestore steps as one {@code set -e} script over an open connection. */
    public static void runOnRestore(SshCommunicator ssh, VmConfig vm, Consumer<String> log) throws IOException {
        List<String> steps = vm.ram().onRestore();
        ExecResult r = ssh.exec("set -e\n" + String.join("\n", steps) + "\n", environment(vm), STEP_TIMEOUT,
                line -> log.accept("onRestore: " + line));
        if (r.exitStatus() != 0) {
            throw new UserError("onRestore of " + vm.name() + " exited with status " + r.exitStatus());
        }
    }

    static Map<String, String> environment(VmConfig vm) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INGOT_HOSTNAME", vm.name());
        env.put("INGOT_INSTANCE_ID", vm.instanceId());
        env.put("INGOT_AUTHORIZED_KEYS", String.join("\n", SeedBuilder.authorizedKeys(Path.of(vm.seed()).resolveSibling("seed").resolve("user-data"))));
        env.put("INGOT_EPOCH", String.valueOf(Instant.now().getEpochSecond()));
        return env;
    }

    private IdentityRefresh() { }
}
