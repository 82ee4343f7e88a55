package io.ingot.qemu;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe's guests run under TCG here (KVM does not work on this machine). */
class AcceleratorProbeIT {
    private final QemuInstallation qemu = QemuInstallation.detect();

    private AcceleratorProbe probe(Path kvm, Duration bound) {
        List<Path> kernels = new java.util.ArrayList<>(AcceleratorProbe.cachedTestKernels(Path.of(System.getProperty("ingot.it.cache",
                System.getProperty("user.home") + "/.cache/ingot"))));
        if (System.getProperty("ingot.it.kernel") != null) kernels.add(0, Path.of(System.getProperty("ingot.it.kernel")));
        return new AcceleratorProbe(qemu, kernels, kvm, Path.of("/proc/cpuinfo"), bound);
    }

    @Test
    void bootSectorProbeReachesLongModeUnderTcg() {
        AcceleratorProbe.ProbeOutcome o = probe(Path.of("/dev/kvm"), Duration.ofSeconds(20)).probeBootSector("tcg");
        assertTrue(o.passed(), o.detail());
        assertTrue(o.detail().contains("long mode"), o.detail());
    }

    @Test
    void kernelProbeSeesThePanicUnderTcgWhenAKernelExists() {
        AcceleratorProbe p = probe(Path.of("/dev/kvm"), Duration.ofSeconds(60));
        Optional<Path> kernel = p.findKernel();
        org.junit.jupiter.api.Assumptions.assumeTrue(kernel.isPresent(), "no Linux kernel on this machine; boot-sector test covers the probe");
        AcceleratorProbe.ProbeOutcome o = p.probeKernel("tcg", kernel.get());
        assertTrue(o.passed(), o.detail());
    }

    @Test
    void missingKvmDeviceMeansTcgWithoutProbing() {
        AcceleratorProbe p = probe(Path.of("/nonexistent/kvm"), Duration.ofSeconds(10));
        Accelerator a = p.auto();
        assertEquals("tcg", a.name());
        assertEquals("tcg: /nonexistent/kvm missing", a.reason());
        UserError e = assertThrows(UserError.class, () -> p.resolve("kvm"));
        assertTrue(e.getMessage().contains("/nonexistent/kvm missing"), e.getMessage());
        assertEquals("tcg", p.resolve("tcg").name());
        assertThrows(UserError.class, () -> p.resolve("hvf"));
    }

    @Test
    void autoOnThisMachineIsTcgBecauseKvmDoesNotRunKernels() {
        Accelerator a = probe(Path.of("/dev/kvm"), AcceleratorProbe.DEFAULT_BOUND).auto();
        assertEquals("tcg", a.name(), a.reason());
        assertTrue(a.reason().contains("/dev/kvm"), a.reason());
    }
}
