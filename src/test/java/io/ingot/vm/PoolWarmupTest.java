package io.ingot.vm;

import io.ingot.qemu.Qcow2Overlay;
import io.ingot.template.Devices;
import io.ingot.template.RamCompatibility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which warm pool processes are made ready, which clones they serve, and the backing file name a claim hands over. */
class PoolWarmupTest {
    @TempDir Path tmp;

    @Test
    void theBackingFileNameIsReadFromTheOverlaysHeaderAsWritten() throws Exception {
        Files.createDirectories(tmp.resolve("t"));
        Files.write(tmp.resolve("t/capture.raw"), new byte[1 << 16]);
        Files.createDirectories(tmp.resolve("c"));
        assertTrue(Qcow2Overlay.create(tmp.resolve("c/disk.qcow2"), "../t/capture.raw", "raw"));
        assertEquals("../t/capture.raw", PoolWarmup.backingFileName(tmp.resolve("c/disk.qcow2")));
    }

    @Test
    void readyProcessesAreForAgentTemplatesWithOnRestoreAndClonesOnTheUserNetwork() throws Exception {
        Path capture = Files.createFile(tmp.resolve("capture.qcow2"));
        VmConfig prototype = vm(null, capture.toString(), List.of(), true);
        assertTrue(PoolWarmup.canPrepare(prototype), "a prototype of `ingot pool fill` (no NICs yet)");
        assertTrue(PoolWarmup.canPrepare(vm(null, capture.toString(), List.of(user()), true)));
        assertFalse(PoolWarmup.canPrepare(vm(null, capture.toString(), List.of(user()), false)), "no guest agent");
        assertFalse(PoolWarmup.canPrepare(vm(null, capture.toString(), List.of(user(), bridged()), true)), "a NIC on a bridge");
        assertFalse(PoolWarmup.canPrepare(vm(null, "capture.qcow2", List.of(), true)), "a relative backing path");
        assertFalse(PoolWarmup.canPrepare(vm(null, tmp.resolve("gone.qcow2").toString(), List.of(), true)), "no capture overlay file");
    }

    @Test
    void aReadyProcessServesMemoryClonesOnTheSameCaptureOverlayWithOneNicOnTheUserNetwork() throws Exception {
        Path capture = Files.createFile(tmp.resolve("capture.qcow2"));
        Path disk = Files.createFile(tmp.resolve("disk.qcow2"));
        WarmPool.Slot slot = new WarmPool.Slot("r1", "t:1", "/t/1/ram/memory", "k", "tcg", 1, null, "qemu", "/q", "g",
                Instant.now(), false, "/pool/r1/disk.qcow2", capture.toString(), "0a:49:4e:00:00:09");
        assertTrue(slot.ready());
        assertTrue(PoolWarmup.fits(slot, vm(disk.toString(), capture.toString(), List.of(user()), true)));
        assertTrue(PoolWarmup.fits(slot, vm(null, capture.toString(), List.of(), true)), "counted for `ingot pool fill`");
        assertFalse(PoolWarmup.fits(slot, vm(disk.toString(), tmp.resolve("other.qcow2").toString(), List.of(user()), true)),
                "another capture overlay");
        assertFalse(PoolWarmup.fits(slot, vm(disk.toString(), capture.toString(), List.of(user(), bridged()), true)), "a bridged NIC");
        assertFalse(PoolWarmup.fits(slot, vm(tmp.resolve("missing.qcow2").toString(), capture.toString(), List.of(user()), true)),
                "a disk that is not a file here");
        assertFalse(new WarmPool.Slot("w1", "t:1", "/t/1/ram/memory", "k", "tcg", 1, null, "qemu", "/q", "g", Instant.now(), false)
                .ready(), "a process waiting for its device state");
    }

    @Test
    void theKeptNicTakesTheClonesMacByAShellStepThatOnlyEverHoldsMacAddresses() {
        String step = PoolWarmup.macChange("0a:49:4e:00:00:09", "0a:49:4e:12:34:56");
        assertTrue(step.contains("= 0a:49:4e:00:00:09 ]") && step.contains("address 0a:49:4e:12:34:56; fi; done") && step.contains("arp_notify"), step);
        assertTrue(step.endsWith("[ -n \"$k\" ] || { echo \"no NIC has the warm pool process's MAC 0a:49:4e:00:00:09\" >&2; exit 1; }"),
                "a guest without that NIC fails the claim's onRestore, saying why: " + step);
        assertThrows(IllegalArgumentException.class, () -> PoolWarmup.macChange("0a:49:4e:00:00:09", "0a:49:4e:12:34:56; reboot"));
        assertThrows(IllegalArgumentException.class, () -> PoolWarmup.macChange("$(reboot)", "0a:49:4e:12:34:56"));
    }

    @Test
    void theMacStepChangesTheNicThatHasTheProcesssMacAndFailsWhenNoneHasIt(@TempDir Path net) throws Exception {
        Files.createDirectories(net.resolve("ingottest0"));
        Files.writeString(net.resolve("ingottest0/address"), "0a:49:4e:00:00:07\n");
        Files.createDirectories(net.resolve("ingottest1"));
        Files.writeString(net.resolve("ingottest1/address"), "0a:49:4e:00:00:09\n");
        // the step as the guest runs it, over a folder laid out like /sys/class/net, `ip` only saying what it was asked
        String fake = "ip() { echo \"ip $*\"; }; ";

        String step = PoolWarmup.macChange("0a:49:4e:00:00:09", "0a:49:4e:12:34:56").replace("/sys/class/net", net.toString());
        Process p = new ProcessBuilder("sh", "-c", "set -e\n" + fake + step).start();
        assertEquals("ip link set dev ingottest1 address 0a:49:4e:12:34:56", new String(p.getInputStream().readAllBytes()).strip());
        assertEquals(0, p.waitFor());

        String none = PoolWarmup.macChange("0a:49:4e:00:00:0a", "0a:49:4e:12:34:56").replace("/sys/class/net", net.toString());
        Process q = new ProcessBuilder("sh", "-c", "set -e\n" + fake + none).start();
        assertEquals("", new String(q.getInputStream().readAllBytes()).strip(), "no NIC is changed");
        assertEquals("no NIC has the warm pool process's MAC 0a:49:4e:00:00:0a", new String(q.getErrorStream().readAllBytes()).strip());
        assertEquals(1, q.waitFor(), "the claim's onRestore fails rather than leave the clone on the process's MAC");
    }

    private static VmConfig.NicConfig user() {
        return new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:01");
    }

    private static VmConfig.NicConfig bridged() {
        return new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:02", "lab", "dhcp");
    }

    private static VmConfig vm(String disk, String backing, List<VmConfig.NicConfig> nics, boolean agent) {
        List<String> devices = agent ? List.of("disk:virtio", Devices.AGENT) : List.of("disk:virtio");
        RamCompatibility c = new RamCompatibility("7.2.0", "pc", "max", 256, devices);
        return new VmConfig("c", "t:1", "memory", "local", Instant.now(), new VmConfig.DiskRef(disk, "qcow2", backing),
                disk == null ? null : "/c/seed.iso", new VmConfig.Machine("pc", "max", 1, 256, devices), nics, null, "g", "i",
                new VmConfig.Ram("/t/1/ram/memory", "/t/1/ram/state", c, "virtio-net-pci", List.of("true"), 4096));
    }
}
