package io.ingot.qemu;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe with real QEMU guests; nothing here assumes whether KVM works on the host. */
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

    /**
     * Holds on any host: {@code auto} chooses KVM exactly when a probe guest really boots on it, and says
     * why. Where the host's KVM module is kvm_pvm (this machine), the reason names it.
     */
    @Test
    void autoAgreesWithWhetherAProbeGuestReallyBootsOnKvm() {
        AcceleratorProbe p = probe(Path.of("/dev/kvm"), AcceleratorProbe.DEFAULT_BOUND);
        Optional<Path> kernel = p.findKernel();
        org.junit.jupiter.api.Assumptions.assumeTrue(kernel.isPresent(),
                "no Linux kernel here: auto then also weighs the CPU flags, which this test does not model");
        Accelerator a = p.auto();
        boolean kvmBoots = p.deviceProblem().isEmpty() && p.probeKernel("kvm", kernel.get()).passed();
        assertEquals(kvmBoots ? "kvm" : "tcg", a.name(), a.reason());
        assertTrue(a.reason().startsWith(a.name() + ": ") && a.reason().length() > a.name().length() + 10, a.reason());
        if (!kvmBoots) {
            assertTrue(a.reason().contains("/dev/kvm"), a.reason());
            if (Files.isDirectory(Path.of("/sys/module/kvm_pvm")) && p.deviceProblem().isEmpty()) {
                assertTrue(a.reason().startsWith("tcg: KVM unusable: the host's KVM module is kvm_pvm, which runs only PVM guest kernels ("),
                        a.reason());
                assertTrue(a.reason().endsWith("; using TCG"), a.reason());
            }
        }
    }
}
