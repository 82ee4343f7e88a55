package io.ingot.vm;

import io.ingot.guest.ExecResult;
import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.network.Network;
import io.ingot.qemu.GuestAgent;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Collection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Gives a resumed memory clone its own identity: every memory clone wakes up as the captured template
 * (hostname, host keys, machine-id, keys, clock), so the recipe's {@code onRestore} steps run, through the
 * guest agent where the template has one (no login, no network: it answers as soon as the guest runs, while
 * the clone's NIC is still getting its address), else over SSH with ingot's access key, with the clone's
 * identity in the environment: INGOT_HOSTNAME,
 * INGOT_INSTANCE_ID, INGOT_MACHINE_ID, INGOT_AUTHORIZED_KEYS (one key a line, from its seed), INGOT_EPOCH, and the host keys
 * ingot made for the clone ({@link HostKeys#environment()}: INGOT_HOST_KEYS, INGOT_HOST_KEY_<TYPE>), and for each NIC i
 * INGOT_NIC<i>_MAC, INGOT_NIC<i>_NETWORK ({@code user} or a network of networks.yaml) and INGOT_NIC<i>_ADDRESS (CIDR, or
 * {@code dhcp}), and for a NIC on the user network INGOT_NIC<i>_GATEWAY and INGOT_NIC<i>_DNS too (its address is known),
 * and INGOT_NIC0_KEPT=1 for a first NIC the clone did not get new (up with that address already): the one its RAM template
 * kept from the capture VM ({@link io.ingot.template.KeptNic}), or a claimed warm pool process's.
 */
public final class IdentityRefresh {
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration AGENT_CONNECT = Duration.ofSeconds(30);
    /** How often a wait for the guest's address says what the guest has meanwhile. */
    static final Duration ADDRESS_REPORT = Duration.ofSeconds(20);
    /** What begins each line of onRestore's own output in the log. */
    private static final String ON_RESTORE = "onRestore: ";
    /** Set for a kept NIC: the template's, or a claimed warm pool process's (always the clone's first). */
    static final String KEPT_NIC = "INGOT_NIC0_KEPT";

    /** A log for {@link #refresh} that passes on only what ingot says (why a start is slow), not onRestore's output. */
    public static Consumer<String> noticesOnly(Consumer<String> to) {
        return line -> {
            if (!line.startsWith(ON_RESTORE)) to.accept(line);
        };
    }

    /**
     * Runs onRestore and returns the fingerprint of the clone's host key. When onRestore installs the host keys
     * ingot made ({@link #knownHostKeys}), that key is known and trusted as it is: no second connection. Else
     * (a recipe whose onRestore makes its own keys) a fresh connection shows the new key. With {@code agentSocket}
     * (the clone's guest agent channel; null when it has none), onRestore runs through the agent first, and the one
     * SSH login that follows already meets the clone's new identity (and, when onRestore installed the keys ingot
     * made, trusts only those). Without an agent, a clone that got its onRestore script through fw_cfg
     * ({@link CloneRunner.Running#restoreScript()}) and ran it as it resumed, before its link came up, is met
     * with its new identity at the first login, and nothing more runs; otherwise onRestore runs over that login.
     */
    public static String refresh(CloneRunner.Running clone, KeyPair access, Duration timeout, Consumer<String> log)
            throws IOException {
        return refresh(clone, access, timeout, log, () -> { });
    }

    /**
     * As above; {@code loggedIn} runs as soon as the first SSH login is in (for {@code ingot bench ram}'s timers). A clone
     * with a kept NIC on the user network ({@link CloneRunner.Running#keptNicMac()}: its RAM template's, or a claimed
     * ready warm pool process's) has it running already, so onRestore is told its address (see
     * {@link #environment(VmConfig, boolean)}).
     */
    public static String refresh(CloneRunner.Running clone, KeyPair access, Duration timeout, Consumer<String> log,
                                 Runnable loggedIn) throws IOException {
        boolean keptNic = clone.keptNicMac() != null;
        VmConfig vm = clone.vm();
        int sshPort = clone.sshPort();
        Path agentSocket = clone.agentSocket();
        StartPhases phases = clone.phases() == null ? StartPhases.none() : clone.phases();
        if (agentSocket != null && !vm.ram().onRestore().isEmpty()) {
            runOnRestore(agentSocket, vm, clone.keptNicMac(), keptNic, log);
            phases.mark("onRestore ran (agent)");
            return loginOnceAddressed(clone, access, timeout, log, loggedIn);
        }
        Optional<HostKeys> known = knownHostKeys(vm);
        try (SshCommunicator ssh = SshCommunicator.connect(SshLogin.of("127.0.0.1", sshPort, "root", access, timeout)
                .first(SshLogin.FirstAttempt.RESUMED))) {
            phases.mark("SSH login");
            loggedIn.run();
            if (vm.ram().onRestore().isEmpty()) return ssh.hostKeyFingerprint();
            if (!ranInGuest(clone)) {
                runOnRestore(ssh, vm, log);
                phases.mark("onRestore ran (SSH)");
            }
            if (known.isPresent()) {
                // the type the client and the guest agreed on: the same as they will agree on next time
                return known.get().sameTypeAs(ssh.hostKey()).orElse(known.get().keys().get(0)).fingerprint();
            }
        }
        try (SshCommunicator fresh = SshCommunicator.connect("127.0.0.1", sshPort, "root", access, timeout)) {
            return fresh.hostKeyFingerprint();
        }
    }

    /**
     * The second half of a refresh through the guest agent, once onRestore ran: waits until the agent says the guest
     * has an address (one login then, no probes), logs in and returns the host key's fingerprint, trusting only the keys
     * onRestore installed where it installs ingot's ({@link #knownHostKeys}).
     */
    static String loginOnceAddressed(CloneRunner.Running clone, KeyPair access, Duration timeout, Consumer<String> log,
                                     Runnable loggedIn) throws IOException {
        VmConfig vm = clone.vm();
        StartPhases phases = clone.phases() == null ? StartPhases.none() : clone.phases();
        boolean reachable = awaitAddress(clone.agentSocket(), timeout, vm.name(), log);
        phases.mark("guest has an address (agent)");
        Collection<PublicKey> trusted = knownHostKeys(vm).map(HostKeys::publicKeys).orElse(null);
        SshLogin login = SshLogin.of("127.0.0.1", clone.sshPort(), "root", access, timeout).trusting(trusted);
        try (SshCommunicator ssh = SshCommunicator.connect(reachable && trusted != null
                ? login.first(SshLogin.FirstAttempt.REACHABLE) : login)) {
            phases.mark("SSH login");
            loggedIn.run();
            return ssh.hostKeyFingerprint();
        }
    }

    /** Whether the guest ran the onRestore script ingot gave it through fw_cfg, as its serial console says. */
    static boolean ranInGuest(CloneRunner.Running clone) {
        return clone.restoreScript() != null && clone.serialLog() != null && clone.restoreScript().ranIn(clone.serialLog());
    }

    /**
     * The host keys a memory clone has once its onRestore ran: those in its seed, when the recipe's onRestore
     * installs them (it names INGOT_HOST_KEY); empty for a recipe that makes its own keys or a seed without keys.
     */
    public static Optional<HostKeys> knownHostKeys(VmConfig vm) throws IOException {
        if (vm.ram() == null || vm.ram().onRestore().stream().noneMatch(s -> s.contains("INGOT_HOST_KEY"))) return Optional.empty();
        return SeedBuilder.hostKeys(userData(vm));
    }

    private static Path userData(VmConfig vm) {
        return Path.of(vm.seed()).resolveSibling("seed").resolve("user-data");
    }

    /** Runs the clone's onRestore steps as one {@code set -e} script over an open connection. */
    public static void runOnRestore(SshCommunicator ssh, VmConfig vm, Consumer<String> log) throws IOException {
        List<String> steps = vm.ram().onRestore();
        Deque<String> tail = new ArrayDeque<>();
        ExecResult r = ssh.exec("set -e\n" + String.join("\n", steps) + "\n", environment(vm), STEP_TIMEOUT, line -> {
            log.accept(ON_RESTORE + line);
            synchronized (tail) {
                tail.addLast(line);
                if (tail.size() > 5) tail.removeFirst();
            }
        });
        if (r.exitStatus() != 0) {
            String said;
            synchronized (tail) {
                said = tail.isEmpty() ? "" : ": " + String.join(" / ", tail);
            }
            throw new UserError("onRestore of " + vm.name() + " exited with status " + r.exitStatus() + said);
        }
    }

    /**
     * Waits (asking the guest agent every 50 ms) until the guest has an IPv4 address; false when it cannot tell. While
     * none comes, says every {@link #ADDRESS_REPORT} what interfaces the guest has (a NIC it never saw, one without an
     * address), so a wait that ends on the timeout has told why on the way.
     */
    static boolean awaitAddress(Path agentSocket, Duration timeout, String name, Consumer<String> log) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextReport = start + ADDRESS_REPORT.toNanos();
        try (GuestAgent agent = GuestAgent.connect(agentSocket, AGENT_CONNECT)) {
            while (System.nanoTime() < deadline) {
                if (!agent.ipv4Addresses(AGENT_CONNECT).isEmpty()) return true;
                if (System.nanoTime() > nextReport) {
                    log.accept(name + " has no IPv4 address after " + (System.nanoTime() - start) / 1_000_000_000L
                            + " s; its interfaces, as its guest agent lists them: " + agent.interfaces(AGENT_CONNECT));
                    nextReport += ADDRESS_REPORT.toNanos();
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Runs the clone's onRestore steps as one {@code set -e} script through its guest agent. */
    public static void runOnRestore(Path agentSocket, VmConfig vm, Consumer<String> log) throws IOException {
        runOnRestore(agentSocket, vm, null, false, log);
    }

    /**
     * As above; with {@code keptNicMac} (the MAC of a kept NIC: the template's, or a ready warm pool process's), that NIC
     * takes the clone's MAC first where it is another;
     * {@code keptNic}: see {@link #environment(VmConfig, boolean)}.
     */
    static void runOnRestore(Path agentSocket, VmConfig vm, String keptNicMac, boolean keptNic, Consumer<String> log) throws IOException {
        List<String> steps = new java.util.ArrayList<>();
        if (keptNicMac != null && vm.nics() != null && !vm.nics().isEmpty() && !keptNicMac.equals(vm.nics().get(0).mac())) {
            steps.add(PoolWarmup.macChange(keptNicMac, vm.nics().get(0).mac()));
        }
        steps.addAll(vm.ram().onRestore());
        String script = "set -e\n" + String.join("\n", steps) + "\n";
        List<String> env = agentEnvironment(vm, keptNicMac, keptNic);
        GuestAgent.Exec r;
        try (GuestAgent agent = GuestAgent.connect(agentSocket, AGENT_CONNECT)) {
            r = agent.exec("/bin/sh", List.of("-c", script), env, STEP_TIMEOUT);
        }
        List<String> lines = (r.stdout() + r.stderr()).lines().filter(l -> !l.isBlank()).toList();
        lines.forEach(l -> log.accept(ON_RESTORE + l));
        if (r.exitCode() != 0) {
            String said = lines.isEmpty() ? "" : ": " + String.join(" / ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            throw new UserError("onRestore of " + vm.name() + " exited with status " + r.exitCode() + said);
        }
    }

    /**
     * What onRestore run through the guest agent gets ("NAME=value"): a root shell's PATH and HOME, the clone's
     * {@link #environment(VmConfig, boolean)}, and for a kept NIC ({@code keptNicMac}: the template's, or a ready warm pool
     * process's) INGOT_NIC0_KEPT=1: that NIC runs with its address already (its MAC changes only where the clone has another).
     */
    static List<String> agentEnvironment(VmConfig vm, String keptNicMac, boolean keptNic) throws IOException {
        List<String> env = new java.util.ArrayList<>(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"));
        environment(vm, keptNic).forEach((k, v) -> env.add(k + "=" + v));
        if (keptNicMac != null) env.add(KEPT_NIC + "=1");
        return env;
    }

    static Map<String, String> environment(VmConfig vm) throws IOException {
        return environment(vm, true);
    }

    /**
     * The clone's identity and NICs for onRestore. With {@code userNicAddress} false (a memory clone whose NIC on the
     * user network was just plugged in), that NIC's address is {@code dhcp}: such a NIC is mostly up under the guest's
     * own DHCP set-up before onRestore gets to it, and systemd-networkd 252 moved from that lease to a static file with
     * the same address could end with no IPv4 address at all (a verify clone waited 10 minutes). A kept NIC (the template's,
     * or a warm pool process's) is told its address: it has it already, and where its MAC changes (a warm pool claim),
     * a DHCP client asking again with the new MAC would get another address from QEMU than the one its SSH forward goes to.
     */
    static Map<String, String> environment(VmConfig vm, boolean userNicAddress) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INGOT_HOSTNAME", vm.name());
        env.put("INGOT_INSTANCE_ID", vm.instanceId());
        // a random UUID from the host without its dashes: 32 hex digits, as /etc/machine-id wants them
        env.put("INGOT_MACHINE_ID", vm.instanceId().replace("-", "").toLowerCase(Locale.ROOT));
        env.put("INGOT_AUTHORIZED_KEYS", String.join("\n", SeedBuilder.authorizedKeys(userData(vm))));
        env.put("INGOT_EPOCH", String.valueOf(Instant.now().getEpochSecond()));
        SeedBuilder.hostKeys(userData(vm)).ifPresent(keys -> env.putAll(keys.environment()));
        // the NICs plugged in at the restore: onRestore gives static ones their address (the others take DHCP); one on
        // QEMU's user network gets what QEMU's DHCP would give it, so that the clone need not wait for that exchange
        if (vm.nics() != null) {
            for (int i = 0; i < vm.nics().size(); i++) {
                VmConfig.NicConfig n = vm.nics().get(i);
                String nic = "INGOT_NIC" + i;
                env.put(nic + "_MAC", n.mac());
                env.put(nic + "_NETWORK", n.onUserNetwork() ? Network.USER : n.network());
                if (n.onUserNetwork() && !userNicAddress) {
                    env.put(nic + "_ADDRESS", "dhcp");
                } else if (n.onUserNetwork()) {
                    env.put(nic + "_ADDRESS", Network.USER_GUEST_ADDRESS);
                    env.put(nic + "_GATEWAY", Network.USER_GATEWAY);
                    env.put(nic + "_DNS", Network.USER_DNS);
                } else {
                    env.put(nic + "_ADDRESS", n.address() == null ? "dhcp" : n.address());
                }
            }
        }
        return env;
    }

    private IdentityRefresh() { }
}
