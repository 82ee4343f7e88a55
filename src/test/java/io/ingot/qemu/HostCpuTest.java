package io.ingot.qemu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostCpuTest {
    @Test
    void theFirstProcessorsFlagsSortedOnce() {
        String cpuinfo = """
                processor\t: 0
                vendor_id\t: GenuineIntel
                flags\t\t: sse2 fpu vmx sse2 aes
                bugs\t\t: spectre_v1

                processor\t: 1
                flags\t\t: fpu
                """;
        assertEquals(List.of("aes", "fpu", "sse2", "vmx"), HostCpu.parseFlags(cpuinfo));
        assertEquals(List.of("asimd", "fp"), HostCpu.parseFlags("processor : 0\nFeatures : fp asimd\n"));
        assertEquals(List.of(), HostCpu.parseFlags("nothing here"));
    }

    @Test
    void thisHostHasFlags() {
        assertTrue(HostCpu.flags().size() > 5, "x86 hosts list dozens of flags in /proc/cpuinfo");
    }
}
