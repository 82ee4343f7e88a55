package io.ingot.template;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a RAM template may be resumed with: accelerator and, for max/host CPU models, the host's CPU flags. */
class RamCompatibilityTest {
    private static final List<String> DEVICES = List.of("disk:virtio", "seed:virtio", "vmgenid");
    private static final List<String> HOST_A = List.of("fpu", "sse2", "avx2", "aes");

    private static RamCompatibility key(String cpu, String accel, List<String> flags) {
        return RamCompatibility.of("7.2.22", "pc", cpu, 256, DEVICES, accel, flags);
    }

    @Test
    void theSameHostAndAcceleratorFit() {
        RamCompatibility captured = key("max", "tcg", HOST_A);
        assertEquals(List.of(), captured.differences(key("max", "tcg", List.of("aes", "avx2", "fpu", "sse2"))));
        assertEquals(captured.key(), key("max", "tcg", HOST_A).key());
    }

    @Test
    void aTcgCaptureIsRefusedUnderKvmNamingTheAccelerators() {
        RamCompatibility captured = key("max", "tcg", HOST_A);
        assertEquals(List.of("accelerator tcg, this start uses kvm"), captured.differences(key("max", "kvm", HOST_A)));
        assertNotEquals(captured.key(), key("max", "kvm", HOST_A).key());
    }

    @Test
    void anotherHostCpuIsRefusedNamingTheFlags() {
        RamCompatibility captured = key("max", "kvm", HOST_A);
        List<String> d = captured.differences(key("max", "kvm", List.of("fpu", "sse2", "avx512f")));
        assertEquals(List.of("another host CPU (this host lacks aes avx2; this host adds avx512f)"), d);
        assertEquals(List.of("another host CPU (this host lacks aes avx2)"),
                captured.differences(key("max", "kvm", List.of("fpu", "sse2"))));
        assertNotEquals(captured.key(), key("max", "kvm", List.of("fpu", "sse2")).key());
    }

    @Test
    void aNamedCpuModelDoesNotDependOnTheHost() {
        RamCompatibility captured = key("qemu64", "tcg", HOST_A);
        assertEquals(List.of(), captured.cpuFlags());
        assertEquals(List.of(), captured.differences(key("qemu64", "tcg", List.of("fpu"))));
        assertEquals(List.of("aes", "sse2"), key("host,+aes", "kvm", List.of("sse2", "aes")).cpuFlags());
    }

    @Test
    void manyMissingFlagsAreCountedNotAllListed() {
        List<String> many = List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b1");
        String d = key("max", "kvm", many).differences(key("max", "kvm", List.of())).get(0);
        assertEquals("another host CPU (this host lacks a1 a2 a3 a4 a5 a6 a7 a8 and 2 more flags)", d);
    }

    @Test
    void aManifestWithoutAcceleratorIsRefusedAsCapturedByAnOlderIngot() {
        RamCompatibility old = new RamCompatibility("7.2.22", "pc", "max", 256, DEVICES);
        List<String> d = old.differences(key("max", "tcg", HOST_A));
        assertEquals(1, d.size(), d.toString());
        assertTrue(d.get(0).contains("older ingot") && d.get(0).contains("rebuild"), d.get(0));
        // its key is the one older manifests recorded: sha256 of the five fields, one per line
        assertEquals("c5c9fabf55b0bca35f45933b9dd7b7db269d0cbc8f59ba2d3a4e4590651e6716", old.key());
    }

    @Test
    void aKeptNicIsADeviceOfTheRamTemplateThatAStartWithoutItIsRefused() {
        List<String> template = List.of("disk:virtio", "nic:virtio-net-pci", "agent");
        assertEquals(List.of("disk:virtio", "agent", "seed:virtio", "vmgenid"), RamCompatibility.ramDevices(template));
        List<String> kept = RamCompatibility.ramDevices(template, true);
        assertEquals(List.of("disk:virtio", "agent", "seed:virtio", "vmgenid", "nic:kept"), kept);
        RamCompatibility captured = RamCompatibility.of("7.2.22", "pc", "qemu64", 1024, kept, "tcg", List.of());
        assertEquals(List.of(), captured.differences(RamCompatibility.of("7.2.22", "pc", "qemu64", 1024, kept, "tcg", List.of())));
        // what an ingot that does not put the NIC back would ask for
        assertEquals(List.of("devices [disk:virtio, agent, seed:virtio, vmgenid, nic:kept], asked [disk:virtio, agent, seed:virtio, vmgenid]"),
                captured.differences(RamCompatibility.of("7.2.22", "pc", "qemu64", 1024, RamCompatibility.ramDevices(template), "tcg", List.of())));
    }
}
