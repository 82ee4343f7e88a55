package io.ingot.vm;

import io.ingot.network.Network;
import io.ingot.network.NetworksFile;
import io.ingot.network.TapDevices;
import io.ingot.qemu.Accelerator;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.QemuInstallation;
import io.ingot.qemu.QemuProcess;
import io.ingot.qemu.QmpClient;
import io.ingot.qemu.Tether;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;
import io.ingot.qemu.DeviceState;
import io.ingot.qemu.GuestAgent;
import io.ingot.qemu.Ovmf;
import io.ingot.template.Devices;
import io.ingot.qemu.HostCpu;
import io.ingot.template.RamCompatibility;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Boots a clone from its {@code vm.json}: its own disk, its NoCloud seed, its MAC addresses, SMBIOS
 * UUID and vmgenid, and a loopback port forwarded to the guest's SSH. Templates are never started:
 * only clones have a vm.json.
 */
public final class CloneRunner {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration THAW_TIMEOUT = Duration.ofSeconds(20);
    private static final String RESTORE_SCRIPT_FILE = "onrestore";

    private final QemuInstallation qemu;
    private final Accelerator accelerator;
    private final PortAllocator ports;
    private final Path runDir;
    private final NetworksFile networks;
    private final TapDevices taps;
    private final NicPlugger nics;

    /** A runner for clones on QEMU's user network only (build verification, benchmarks). */
    public CloneRunner(QemuInstallation qemu, Accelerator accelerator, PortAllocator ports, Path runDir) {
        this(qemu, accelerator, ports, runDir, NetworksFile.none(), new TapDevices());
    }

    /** {@code networks}: the bridges that clones' NICs on named networks join; {@code taps} makes their host side. */
    public CloneRunner(QemuInstallation qemu, Accelerator accelerator, PortAllocator ports, Path runDir,
                       NetworksFile networks, TapDevices taps) {
        this.qemu = qemu;
        this.accelerator = accelerator;
        this.ports = ports;
        this.runDir = runDir;
        this.networks = networks;
        this.taps = taps;
        this.nics = new NicPlugger(taps);
    }

    /** A clone's NIC on a bridge: its index among the clone's NICs, its network and the tap QEMU makes for it. */
    public record Bridged(int index, VmConfig.NicConfig nic, Network network, String tap) { }

    /**
     * The clone's NICs on bridges, checked before anything is made: the networks exist, this process may make taps,
     * the bridges are there.
     */
    public List<Bridged> bridged(VmConfig vm) {
        List<Bridged> out = new java.util.ArrayList<>();
        List<VmConfig.NicConfig> nics = vm.nics() == null ? List.of() : vm.nics();
        for (int i = 0; i < nics.size(); i++) {
            VmConfig.NicConfig nic = nics.get(i);
            if (nic.onUserNetwork()) continue;
            Network n = networks.get(nic.network(), "clone '" + vm.name() + "'");
            taps.check(vm.name(), n);
            out.add(new Bridged(i, nic, n, TapDevices.name(vm.name(), i)));
        }
        return out;
    }

    String acceleratorName() { return accelerator.name(); }

    /** The QEMU (and run registry) name of a clone's VM, whichever way it was started. */
    public static String processName(String clone) { return "ingot-clone-" + clone; }

    String qemuBinary() { return qemu.system().toString(); }

    /**
     * A running clone; closing it stops QEMU and releases the port. {@code resumedAfter}: for a memory
     * clone, from spawning QEMU to {@code cont} returning (null for a booted clone); {@code agentSocket}: the
     * host end of its guest agent channel (null when its template has none); {@code restoreScript}: the onRestore
     * script a memory clone got through fw_cfg (null when it got none: then onRestore runs over SSH or the agent);
     * {@code consoleSocket}: its serial console ({@code ingot console}), the serial log being written all the same;
     * {@code keptNicMac}: the MAC its first NIC has in the guest where the clone did not get that NIC new: the one its
     * RAM template kept ({@link io.ingot.template.KeptNic}), or a claimed ready warm pool process's (onRestore gives it
     * the clone's MAC first where that is another, see {@link PoolWarmup#macChange}); else null.
     */
    public record Running(VmConfig vm, QemuProcess process, int sshPort, Path serialLog, PortLease lease,
                          Duration resumedAfter, Path agentSocket, RestoreScript restoreScript, Path consoleSocket,
                          StartPhases phases, String keptNicMac)
            implements AutoCloseable {
        public Running(VmConfig vm, QemuProcess process, int sshPort, Path serialLog, PortLease lease,
                       Duration resumedAfter, Path agentSocket, RestoreScript restoreScript, Path consoleSocket,
                       StartPhases phases) {
            this(vm, process, sshPort, serialLog, lease, resumedAfter, agentSocket, restoreScript, consoleSocket, phases, null);
        }

        @Override
        public void close() {
            process.stop(Duration.ofSeconds(5));
            lease.close();
        }
    }

    /**
     * Starts the clone's QEMU. {@code logDir} gets the serial console and QEMU's output;
     * {@code socketDir} the QMP socket (keep it short: unix socket paths are limited to 107 bytes).
     */
    public Running start(VmConfig vm, Path logDir, Path socketDir) {
        return start(vm, logDir, socketDir, false);
    }

    /**
     * Starts the clone in a session of its own ({@code setsid}), so that it outlives this JVM and the
     * terminal's signals once the caller {@link QemuProcess#detach() detaches} it.
     */
    public Running startDetached(VmConfig vm, Path logDir, Path socketDir) {
        return start(vm, logDir, socketDir, true);
    }

    private Running start(VmConfig vm, Path logDir, Path socketDir, boolean ownSession) {
        List<Bridged> bridged = bridged(vm);
        ensureSeed(vm);
        PortLease lease = ports.allocate();
        try {
            QemuCommand cmd = command(vm, lease.port(), logDir, socketDir);
            if (ownSession) cmd = inOwnSession(cmd);
            QemuProcess process = QemuProcess.start(cmd, logDir, runDir, START_TIMEOUT, tether(ownSession));
            if (!bridged.isEmpty()) {
                // paused until its taps are on their bridges: the guest's first DHCP request must not go nowhere
                try {
                    nics.attach(bridged);
                    process.qmp().cont();
                } catch (RuntimeException e) {
                    process.stop(Duration.ofSeconds(2));
                    throw e;
                }
            }
            return new Running(vm, process, lease.port(), cmd.serialLog(), lease, null, agentOf(vm, agentSocket(socketDir, vm.name())),
                    null, consoleSocket(cmd.qmpSocket()), StartPhases.none());
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /**
     * Resumes a memory clone from its RAM template: the memory file mapped privately ({@code share=off},
     * read-only where QEMU has {@code rom=}), its own overlay on the capture overlay, {@code -incoming defer},
     * then {@code x-ignore-shared}, the device state, its own NICs hot-plugged with their MACs (the NIC the template
     * kept, if it kept one, put back before the state as the clone's first), {@code cont}. Refused when the RAM template
     * was captured for another QEMU, machine, CPU, RAM size or device list, saying what differs.
     */
    public Running resume(VmConfig vm, Path logDir, Path socketDir, boolean ownSession) {
        return resume(processName(vm.name()), vm, logDir, socketDir, ownSession);
    }

    /** As above, the QEMU process (and its run registry record) named {@code name}. */
    Running resume(String name, VmConfig vm, Path logDir, Path socketDir, boolean ownSession) {
        checkCompatible(vm);
        List<Bridged> bridged = bridged(vm);
        ensureSeed(vm);
        PortLease lease = ports.allocate();
        try {
            RestoreScript script = restoreScript(vm);
            QemuCommand cmd;
            QemuProcess process;
            long spawned;
            try {
                cmd = incoming(name, vm, logDir, agentSocket(socketDir, vm.name()), script)
                        .disk(Path.of(vm.disk().path()), vm.disk().format(), diskInterface(vm))
                        .drive(new QemuCommand.Drive(Path.of(vm.seed()), "raw", "virtio", true, false))
                        .vmgenid(UUID.fromString(vm.vmgenid()))
                        .serialLog(logDir.resolve("serial.log"))
                        .serialConsole(consoleSocket(socketDir.resolve(vm.name() + ".qmp")))
                        .qmp(socketDir.resolve(vm.name() + ".qmp"))
                        .pidFile(logDir.resolve("qemu.pid"))
                        .build();
                if (ownSession) cmd = inOwnSession(cmd);
                spawned = System.nanoTime();
                process = QemuProcess.start(cmd, logDir, runDir, START_TIMEOUT, tether(ownSession));
            } finally {
                forgetRestoreScript(logDir); // QEMU read it as it started; it holds the clone's private host keys
            }
            StartPhases phases = new StartPhases(spawned);
            phases.mark("QEMU started, QMP connected");
            try {
                // the kept NIC runs as the capture left it, with the template's MAC (CloneService gives the clone that MAC)
                String keptMac = NicPlugger.keep(process.qmp(), vm, lease.port());
                loadDeviceState(process.qmp(), vm);
                phases.mark("device state loaded");
                plugNicsAndContinue(process, vm, keptMac != null ? 1 : 0, lease, bridged, agentSocket(socketDir, vm.name()), phases);
                return new Running(vm, process, lease.port(), cmd.serialLog(), lease, Duration.ofNanos(System.nanoTime() - spawned),
                        agentOf(vm, agentSocket(socketDir, vm.name())), script, consoleSocket(cmd.qmpSocket()), phases, keptMac);
            } catch (RuntimeException e) {
                process.stop(Duration.ofSeconds(2));
                throw e;
            }
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /**
     * Resumes a memory clone in a process claimed from the warm pool, which already maps the RAM template
     * and waits for its device state: the clone's disk and seed are plugged in at the PCI slots the
     * template had them in, then the state is loaded as in {@link #resume}. The clone takes the waiting
     * process's vmgenid GUID, new like any other (a realized vmgenid cannot change it). A process made ready
     * ({@link PoolWarmup}) runs already: it hands the clone its disk and seed and takes the clone's NIC. Fails,
     * stopping that process (and giving the clone its own disk back), when it does not fit; the caller then
     * resumes the usual way.
     */
    public Running resumeClaimed(VmConfig vm, WarmPool.Claimed claimed, Path logDir) {
        PortLease lease = null;
        QemuProcess process = null;
        try {
            checkCompatible(vm);
            if (!"virtio".equals(diskInterface(vm)) || !Files.isRegularFile(Path.of(vm.disk().path()))) {
                throw new IllegalStateException("a warm pool process takes only virtio disks in files");
            }
            List<Bridged> bridged = bridged(vm);
            ensureSeed(vm);
            lease = ports.allocate();
            StartPhases phases = new StartPhases(claimed.claimedAt());
            process = claimed.adopt(processName(vm.name()), runDir, START_TIMEOUT);
            phases.mark("pool process adopted, QMP connected");
            QmpClient qmp = process.qmp();
            Path agent = Path.of(claimed.slot().qmpSocket().replaceFirst("\\.qmp$", ".qga"));
            if (claimed.slot().ready()) {
                // its guest runs already, on a disk and seed of its own: they become the clone's, then its NIC goes in
                PoolWarmup.handOver(qmp, claimed, vm);
                phases.mark("disk and seed handed over");
                String kept = claimed.slot().nicMac();
                try {
                    if (kept != null) PoolWarmup.takeNic(qmp, lease.port(), START_TIMEOUT, phases); // its MAC: in onRestore
                    else plugNicsIntoRunning(process, vm, lease, bridged, phases);
                } catch (RuntimeException e) {
                    PoolWarmup.giveBack(claimed, vm);
                    throw e;
                }
                Path serialLog = claimed.moveLogsTo(logDir);
                return new Running(vm.withVmgenid(claimed.slot().vmgenid()), process, lease.port(), serialLog, lease,
                        Duration.ofNanos(System.nanoTime() - claimed.claimedAt()), agentOf(vm, agent), null,
                        consoleSocket(Path.of(claimed.slot().qmpSocket())), phases, kept);
            }
            qmp.execute("blockdev-add", Map.of("driver", vm.disk().format(), "node-name", "disk0",
                    "file", Map.of("driver", "file", "filename", vm.disk().path())));
            qmp.execute("device_add", Map.of("driver", "virtio-blk-pci", "drive", "disk0", "id", "disk0", "addr", WarmPool.DISK_SLOT));
            qmp.execute("blockdev-add", Map.of("driver", "raw", "node-name", "seed0", "read-only", true,
                    "file", Map.of("driver", "file", "filename", vm.seed(), "read-only", true)));
            qmp.execute("device_add", Map.of("driver", "virtio-blk-pci", "drive", "seed0", "id", "seed0", "addr", WarmPool.SEED_SLOT));
            phases.mark("disk and seed plugged");
            String keptMac = NicPlugger.keep(qmp, vm, lease.port());
            loadDeviceState(qmp, vm);
            phases.mark("device state loaded");
            plugNicsAndContinue(process, vm, keptMac != null ? 1 : 0, lease, bridged, agent, phases);
            Duration resumedAfter = Duration.ofNanos(System.nanoTime() - claimed.claimedAt());
            Path serialLog = claimed.moveLogsTo(logDir);
            return new Running(vm.withVmgenid(claimed.slot().vmgenid()), process, lease.port(), serialLog, lease, resumedAfter,
                    agentOf(vm, agent), null, consoleSocket(Path.of(claimed.slot().qmpSocket())), phases, keptMac);
        } catch (RuntimeException e) {
            if (process != null) {
                process.stop(Duration.ofSeconds(2));
                claimed.release();
            } else {
                claimed.discard();
            }
            if (lease != null) lease.close();
            throw e;
        }
    }

    /**
     * QEMU for a memory clone, up to the drives: the RAM template's memory mapped privately, waiting for its
     * state; the template's firmware (its variable store in {@code dir}) and guest agent channel, if it had them,
     * and its fw_cfg entry for the onRestore script, holding {@code script} (written to {@code dir}) or, when null,
     * the placeholder the template had (a process of the warm pool does not know its clone yet).
     */
    QemuCommand.Builder incoming(String name, VmConfig vm, Path dir, Path agentSocket, RestoreScript script) {
        VmConfig.Machine m = vm.machine();
        QemuCommand.Builder b = qemu.command(name)
                .machine(m.type()).accel(accelerator.name()).cpu(m.cpu()).smp(m.cpus())
                .memoryBackend(new QemuCommand.MemoryBackend("pc.ram", Path.of(vm.ram().memoryFile()), m.memoryMiB(),
                        false, qemu.features().memoryBackendRom()))
                .paused(true)
                .incomingDefer(true);
        if (vm.ram().restoreScriptSize() != null) {
            Path file = dir.resolve(RESTORE_SCRIPT_FILE);
            try {
                if (script != null) script.write(file);
                else Files.write(file, RestoreScript.placeholder(vm.ram().restoreScriptSize()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            b.fwCfgFile(RestoreScript.FW_CFG_NAME, file);
        }
        return withTemplateDevices(b, m, dir, agentSocket);
    }

    /**
     * The onRestore script for a memory clone whose template has room for it in fw_cfg; null when it has no
     * onRestore, too much of it (then it runs over SSH), or a guest agent (through which it runs).
     */
    private static RestoreScript restoreScript(VmConfig vm) {
        Integer size = vm.ram().restoreScriptSize();
        if (size == null || size != RestoreScript.SIZE || vm.ram().onRestore().isEmpty()
                || Devices.agent(vm.machine().devices())) return null;
        try {
            return RestoreScript.of(vm.ram().onRestore(), IdentityRefresh.environment(vm)).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the seed of " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    private static void forgetRestoreScript(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(RESTORE_SCRIPT_FILE));
        } catch (IOException e) {
            // left behind, it is no more exposed than the clone's seed beside it, which holds the same keys
        }
    }

    /** Firmware and guest agent channel as the template had them (its device list says). */
    private static QemuCommand.Builder withTemplateDevices(QemuCommand.Builder b, VmConfig.Machine m, Path dir, Path agentSocket) {
        if (Devices.uefi(m.devices())) Ovmf.apply(b, dir);
        if (Devices.agent(m.devices())) b.guestAgent(agentSocket);
        return b;
    }

    private static Path agentOf(VmConfig vm, Path socket) {
        return Devices.agent(vm.machine().devices()) ? socket : null;
    }

    /**
     * Where a VM's serial console socket is: beside its QMP socket, its name as long (unix socket paths are limited
     * to 107 bytes: where the QMP socket fits, this one does).
     */
    static Path consoleSocket(Path qmpSocket) {
        return qmpSocket.resolveSibling(qmpSocket.getFileName().toString().replaceFirst("\\.qmp$", "") + ".tty");
    }

    /** Where a clone's guest agent channel ends on the host: beside its QMP socket. */
    static Path agentSocket(Path socketDir, String cloneName) {
        return socketDir.resolve(cloneName + ".qga");
    }

    private void checkCompatible(VmConfig vm) {
        VmConfig.Ram ram = vm.ram();
        VmConfig.Machine m = vm.machine();
        RamCompatibility wanted = RamCompatibility.of(qemu.version().toString(), m.type(), m.cpu(), m.memoryMiB(),
                RamCompatibility.ramDevices(m.devices(), ram.keptNic() != null), accelerator.name(), HostCpu.flags());
        List<String> differences = ram.compatibility().differences(wanted);
        if (!differences.isEmpty()) {
            throw new UserError("cannot resume " + vm.name() + " from the RAM template of " + vm.template()
                    + ": it was captured with " + String.join("; ", differences) + " (ingot start --cold boots it instead)");
        }
    }

    /**
     * Loads the RAM template's device state, without QEMU's announcements after a migration: they are meant to
     * tell switches that a VM moved, and here only interrupt the guest while it starts; the clone's NIC is new
     * and announced once its link is up (see {@link NicAnnouncer}).
     */
    private void loadDeviceState(QmpClient qmp, VmConfig vm) {
        qmp.execute("migrate-set-parameters", Map.of("announce-rounds", 0));
        DeviceState.load(qmp, qemu.features(), Path.of(vm.ram().stateFile()), START_TIMEOUT);
    }

    /**
     * Plugs the clone's own NICs while the guest is still paused (their hot-plug events wait for it at cont, and
     * QMP does not have to compete with a vCPU busy translating the guest's code afresh), then continues; QEMU
     * announces each NIC once the guest has its link up.
     */
    private void plugNicsAndContinue(QemuProcess process, VmConfig vm, int from, PortLease lease, List<Bridged> bridged,
                                     Path agentSocket, StartPhases phases) {
        nics.plug(process.qmp(), vm, from, lease.port(), bridged, phases);
        process.qmp().cont();
        phases.mark("cont returned");
        nics.announce(process.qmp(), vm, from, START_TIMEOUT, phases);
        if (Devices.agent(vm.machine().devices())) {
            thaw(vm, agentSocket);
            phases.mark("file systems thawed (agent)");
        }
    }

    /**
     * Plugs {@code vm}'s NICs into a clone running without them (a warm pool process at its warm-up, resumed without
     * NICs: see {@link PoolWarmup#prepare}) and returns it as {@code vm}'s.
     */
    Running plugNics(Running running, VmConfig vm) {
        plugNicsIntoRunning(running.process(), vm, running.lease(), bridged(vm), running.phases());
        return new Running(vm, running.process(), running.sshPort(), running.serialLog(), running.lease(), running.resumedAfter(),
                running.agentSocket(), running.restoreScript(), running.consoleSocket(), running.phases(), running.keptNicMac());
    }

    /** Plugs the clone's NICs into a running guest, which takes their hot-plug events at once, and has each announced. */
    private void plugNicsIntoRunning(QemuProcess process, VmConfig vm, PortLease lease, List<Bridged> bridged, StartPhases phases) {
        nics.plug(process.qmp(), vm, lease.port(), bridged, phases);
        nics.announce(process.qmp(), vm, START_TIMEOUT, phases);
    }

    /** A template with a guest agent was captured with its file systems frozen: they thaw in each memory clone. */
    private static void thaw(VmConfig vm, Path agentSocket) {
        try (GuestAgent agent = GuestAgent.connect(agentSocket, THAW_TIMEOUT)) {
            agent.thaw(THAW_TIMEOUT);
        } catch (IOException e) {
            throw new IllegalStateException("the guest agent of " + vm.name() + " did not thaw its file systems: " + e.getMessage(), e);
        }
    }

    /** The seed ISO is made at start (see SeedBuilder): from the clone's seed files, when missing or stale. */
    private static void ensureSeed(VmConfig vm) {
        try {
            new SeedBuilder().ensureIso(Path.of(vm.seed()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the seed ISO of " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /** {@code setsid} execs QEMU in the same process (a child of the JVM is never a group leader, so it does not fork). */
    static QemuCommand inOwnSession(QemuCommand cmd) {
        return cmd.wrappedIn(List.of("setsid"));
    }

    /**
     * A clone started to be detached outlives ingot by design (it is recorded in run.json once it runs); one that
     * is not (the build's verify VM, benchmarks) ends with ingot like any build VM.
     */
    private Tether tether(boolean detached) {
        return detached ? Tether.NONE : Tether.forBuildVm(qemu.features(), false);
    }

    private static String diskInterface(VmConfig vm) {
        List<String> devices = vm.machine().devices();
        return devices == null ? "virtio" : devices.stream()
                .filter(d -> d.startsWith("disk:")).map(d -> d.substring(5)).findFirst().orElse("virtio");
    }

    QemuCommand command(VmConfig vm, int sshPort, Path logDir, Path socketDir) {
        VmConfig.Machine m = vm.machine();
        String iface = diskInterface(vm);
        QemuCommand.Builder b = qemu.command(processName(vm.name()))
                .machine(m.type())
                .accel(accelerator.name())
                .cpu(m.cpu())
                .smp(m.cpus())
                .memoryMiB(m.memoryMiB())
                .disk(Path.of(vm.disk().path()), vm.disk().format(), iface)
                .drive(new QemuCommand.Drive(Path.of(vm.seed()), "raw", "virtio", true, false))
                .bootOrder("c")
                .smbiosUuid(UUID.fromString(vm.smbiosUuid()))
                .vmgenid(UUID.fromString(vm.vmgenid()))
                .serialLog(logDir.resolve("serial.log"))
                .serialConsole(consoleSocket(socketDir.resolve(vm.name() + ".qmp")))
                .qmp(socketDir.resolve(vm.name() + ".qmp"))
                .pidFile(logDir.resolve("qemu.pid"));
        boolean forwarded = false;
        for (int i = 0; i < vm.nics().size(); i++) {
            VmConfig.NicConfig nic = vm.nics().get(i);
            if (nic.onUserNetwork()) {
                b.nic(QemuCommand.Nic.user(nic.model(), nic.mac(), forwarded ? null : sshPort));
                forwarded = true;
            } else {
                b.nic(QemuCommand.Nic.tap(nic.model(), nic.mac(), TapDevices.name(vm.name(), i)));
                b.paused(true); // continued once its taps are on their bridges
            }
        }
        return withTemplateDevices(b, m, logDir, agentSocket(socketDir, vm.name())).build();
    }
}
