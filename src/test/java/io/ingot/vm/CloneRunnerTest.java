package io.ingot.vm;

import io.ingot.qemu.Accelerator;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.QemuFeatures;
import io.ingot.qemu.QemuInstallation;
import io.ingot.qemu.QemuVersion;
import io.ingot.server.PortAllocator;
import io.ingot.template.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A clone starts with the firmware and guest agent channel its template was made with (its device list says). */
class CloneRunnerTest {
    private static final QemuInstallation QEMU = new QemuInstallation(Path.of("/usr/bin/qemu-system-x86_64"),
            Path.of("/usr/bin/qemu-img"), new QemuVersion(7, 2, 22), new QemuVersion(7, 2, 22), new QemuFeatures(false, false, false));

    private static VmConfig vm(List<String> devices) {
        return new VmConfig("c1", "t:1", "linked", "local", Instant.now(),
                new VmConfig.DiskRef("/i/clones/c1/disk.qcow2", "qcow2", "/i/templates/t/1/base.qcow2"), "/i/clones/c1/seed.iso",
                new VmConfig.Machine("pc", "max", 2, 1024, devices),
                List.of(new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:01")),
                UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString());
    }

    @Test
    void aUefiTemplateWithAGuestAgentGivesItsClonesBoth(@TempDir Path dir) {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/OVMF/OVMF_CODE.fd")), "needs the ovmf package");
        CloneRunner runner = new CloneRunner(QEMU, new Accelerator("tcg", "test"), new PortAllocator(dir.resolve("ports")), dir);
        QemuCommand cmd = runner.command(vm(List.of("disk:virtio", "nic:virtio-net-pci", Devices.UEFI, Devices.AGENT)),
                2222, dir, dir.resolve("s"));
        String line = String.join(" ", cmd.argv());
        assertTrue(line.contains("-drive if=pflash,format=raw,unit=1,file=" + dir.resolve("OVMF_VARS.fd")), line);
        assertTrue(Files.isRegularFile(dir.resolve("OVMF_VARS.fd")), "the clone has a variable store of its own");
        assertTrue(line.contains("-chardev socket,id=qga0,path=" + dir.resolve("s/c1.qga")), line);
    }

    @Test
    void aBiosTemplateWithoutAgentGivesNeither(@TempDir Path dir) {
        CloneRunner runner = new CloneRunner(QEMU, new Accelerator("tcg", "test"), new PortAllocator(dir.resolve("ports")), dir);
        String line = String.join(" ", runner.command(vm(List.of("disk:virtio", "nic:virtio-net-pci")), 2222, dir, dir).argv());
        assertFalse(line.contains("pflash"), line);
        assertFalse(line.contains("qga"), line);
    }

    @Test
    void aClonesSerialConsoleListensBesideItsQmpSocketAndStillFillsItsSerialLog(@TempDir Path dir) {
        CloneRunner runner = new CloneRunner(QEMU, new Accelerator("tcg", "test"), new PortAllocator(dir.resolve("ports")), dir);
        QemuCommand cmd = runner.command(vm(List.of("disk:virtio", "nic:virtio-net-pci")), 2222, dir, dir.resolve("s"));
        String line = String.join(" ", cmd.argv());
        assertTrue(line.contains("-chardev socket,id=serial0,path=" + dir.resolve("s/c1.tty") + ",server=on,wait=off,logfile="
                + dir.resolve("serial.log")), line);
        assertEquals(dir.resolve("serial.log"), cmd.serialLog());
        assertEquals(dir.resolve("s/c1.tty"), CloneRunner.consoleSocket(cmd.qmpSocket()));
    }
}
