package io.ingot.qemu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuCommandTest {
    @Test
    void typicalInstallVm() {
        UUID uuid = UUID.fromString("11111111-2222-3333-4444-555555555555");
        QemuCommand cmd = QemuCommand.builder(Path.of("/usr/bin/qemu-system-x86_64"), "build-42")
                .machine("pc").accel("tcg").cpu("max").smp(2).memoryMiB(512)
                .disk(Path.of("/b/disk.qcow2"), "qcow2", "virtio")
                .cdrom(Path.of("/m/tiny,install.iso"))
                .bootOrder("dc")
                .nic(QemuCommand.Nic.user("virtio-net-pci", "52:54:00:aa:bb:cc", 2222))
                .serialLog(Path.of("/b/serial.log"))
                .qmp(Path.of("/b/qmp.sock"))
                .pidFile(Path.of("/b/qemu.pid"))
                .noReboot(true)
                .smbiosUuid(uuid)
                .vmgenid(uuid)
                .extraArgs(List.of("-rtc", "base=utc"))
                .build();
        assertEquals(List.of("/usr/bin/qemu-system-x86_64", "-name", "build-42", "-nodefaults",
                "-machine", "pc,accel=tcg", "-cpu", "max", "-smp", "2", "-m", "512M",
                "-drive", "file=/b/disk.qcow2,format=qcow2,if=virtio",
                "-drive", "file=/m/tiny,,install.iso,format=raw,if=ide,media=cdrom,readonly=on",
                "-boot", "order=dc",
                "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22",
                "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc",
                "-serial", "file:/b/serial.log",
                "-qmp", "unix:/b/qmp.sock,server=on,wait=off",
                "-pidfile", "/b/qemu.pid",
                "-display", "none", "-no-reboot",
                "-smbios", "type=1,uuid=11111111-2222-3333-4444-555555555555",
                "-device", "vmgenid,guid=11111111-2222-3333-4444-555555555555",
                "-rtc", "base=utc"), cmd.argv());
        assertEquals(Path.of("/b/qmp.sock"), cmd.qmpSocket());
        assertEquals(Path.of("/b/serial.log"), cmd.serialLog());
    }

    @Test
    void memoryCloneUsesPrivateReadOnlyBackendAndDefersIncoming() {
        QemuCommand cmd = QemuCommand.builder(Path.of("qemu"), "clone")
                .memoryBackend(new QemuCommand.MemoryBackend("pc.ram", Path.of("/t/mem"), 256, false, true))
                .kernel(Path.of("/k/vmlinuz"), Path.of("/k/initrd"), "console=ttyS0")
                .incomingDefer(true)
                .build();
        String line = String.join(" ", cmd.argv());
        assertTrue(line.contains("-machine pc,accel=tcg,memory-backend=pc.ram"), line);
        assertTrue(line.contains("-m 256M"), line);
        assertTrue(line.contains("-object memory-backend-file,id=pc.ram,mem-path=/t/mem,size=256M,share=off,readonly=on,rom=off"), line);
        assertTrue(line.contains("-kernel /k/vmlinuz -initrd /k/initrd -append console=ttyS0"), line);
        assertTrue(line.endsWith("-incoming defer"), line);
    }

    @Test
    void serialConsoleIsASocketThatStillWritesTheSerialLog() {
        QemuCommand cmd = QemuCommand.builder(Path.of("qemu"), "clone")
                .serialLog(Path.of("/c/x,y/serial.log"))
                .serialConsole(Path.of("/s/clone.tty"))
                .build();
        String line = String.join(" ", cmd.argv());
        assertTrue(line.contains("-chardev socket,id=serial0,path=/s/clone.tty,server=on,wait=off,"
                + "logfile=/c/x,,y/serial.log,logappend=off -serial chardev:serial0"), line);
        assertTrue(!line.contains("file:"), line);
        assertEquals(Path.of("/c/x,y/serial.log"), cmd.serialLog(), "readers of the serial log find it where they did");
    }

    @Test
    void displayQuotesForTheShell() {
        QemuCommand cmd = QemuCommand.builder(Path.of("qemu"), "x").kernel(Path.of("/k"), null, "a b").build();
        assertTrue(cmd.display().contains("-append 'a b'"), cmd.display());
    }

    @Test
    void buildVmDevicesDisplayVncGuestAgentAndUefi() {
        QemuCommand cmd = QemuCommand.builder(Path.of("qemu"), "b")
                .vga("std").vnc("127.0.0.1:0,to=99")
                .guestAgent(Path.of("/r/qga,sock"))
                .firmware(Path.of("/usr/share/OVMF/OVMF_CODE.fd"), Path.of("/b/OVMF_VARS.fd"))
                .disk(Path.of("/b/disk.qcow2"), "qcow2", "virtio")
                .build();
        String line = String.join(" ", cmd.argv());
        assertTrue(line.contains("-vga std -display none -vnc 127.0.0.1:0,to=99"), line);
        assertTrue(line.contains("-chardev socket,id=qga0,path=/r/qga,,sock,server=on,wait=off"
                + " -device virtio-serial-pci,id=vser0,addr=" + QemuCommand.AGENT_SLOT
                + " -device virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"), line);
        // the firmware's flash comes before the disks, the code read-only, the variable store writable
        assertTrue(line.contains("-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd"
                + " -drive if=pflash,format=raw,unit=1,file=/b/OVMF_VARS.fd -drive file=/b/disk.qcow2"), line);
    }
}
