package io.ingot.clone;

import io.ingot.qemu.Accelerator;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.QemuInstallation;
import io.ingot.qemu.QemuProcess;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Boots a clone from its {@code vm.json}: its own disk, its NoCloud seed, its MAC addresses, SMBIOS
 * UUID and vmgenid, and a loopback port forwarded to the guest's SSH. Templates are never started:
 * only clones have a vm.json.
 */
public final class CloneRunner {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final QemuInstallation qemu;
    private final Accelerator accelerator;
    private final PortAllocator ports;
    private final Path runDir;

    public CloneRunner(QemuInstallation qemu, Accelerator accelerator, PortAllocator ports, Path runDir) {
        this.qemu = qemu;
        this.accelerator = accelerator;
        this.ports = ports;
        this.runDir = runDir;
    }

    /** A running clone; closing it stops QEMU and releases the port. */
    public record Running(VmConfig vm, QemuProcess process, int sshPort, Path serialLog, PortLease lease)
            implements AutoCloseable {
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
        try {
            new SeedBuilder().ensureIso(Path.of(vm.seed()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot make the seed ISO of " + vm.name() + ": " + e.getMessage(), e);
        }
        PortLease lease = ports.allocate();
        try {
            QemuCommand cmd = command(vm, lease.port(), logDir, socketDir);
            if (ownSession) {
                List<String> argv = new ArrayList<>(List.of("setsid"));
                argv.addAll(cmd.argv());
                cmd = new QemuCommand(cmd.name(), argv, cmd.qmpSocket(), cmd.serialLog(), cmd.pidFile());
            }
            QemuProcess process = QemuProcess.start(cmd, logDir, runDir, START_TIMEOUT);
            return new Running(vm, process, lease.port(), cmd.serialLog(), lease);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    QemuCommand command(VmConfig vm, int sshPort, Path logDir, Path socketDir) {
        VmConfig.Machine m = vm.machine();
        String iface = m.devices() == null ? "virtio" : m.devices().stream()
                .filter(d -> d.startsWith("disk:")).map(d -> d.substring(5)).findFirst().orElse("virtio");
        VmConfig.NicConfig nic = vm.nics().get(0);
        return qemu.command("ingot-clone-" + vm.name())
                .machine(m.type())
                .accel(accelerator.name())
                .cpu(m.cpu())
                .smp(m.cpus())
                .memoryMiB(m.memoryMiB())
                .disk(Path.of(vm.disk().path()), vm.disk().format(), iface)
                .drive(new QemuCommand.Drive(Path.of(vm.seed()), "raw", "virtio", true, false))
                .bootOrder("c")
                .nic(QemuCommand.Nic.user(nic.model(), nic.mac(), sshPort))
                .smbiosUuid(UUID.fromString(vm.smbiosUuid()))
                .vmgenid(UUID.fromString(vm.vmgenid()))
                .serialLog(logDir.resolve("serial.log"))
                .qmp(socketDir.resolve(vm.name() + ".qmp"))
                .pidFile(logDir.resolve("qemu.pid"))
                .build();
    }
}
