package io.ingot.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the probe tells why KVM is unusable, from the host's module list (no guest is started here). */
class AcceleratorProbeTest {
    private static final String PVM = "the host's KVM module is kvm_pvm, which runs only PVM guest kernels";

    private AcceleratorProbe probe(Path sys, Path procModules) {
        return new AcceleratorProbe(null, List.of(), Path.of("/nonexistent/kvm"), Path.of("/proc/cpuinfo"), sys, procModules,
                Duration.ofSeconds(1));
    }

    @Test
    void kvmPvmIsNamedFromSysModuleOrProcModules(@TempDir Path tmp) throws IOException {
        Path sys = Files.createDirectories(tmp.resolve("sys/module"));
        Path modules = tmp.resolve("modules");
        Files.createDirectories(sys.resolve("kvm"));
        Files.createDirectories(sys.resolve("kvm_intel"));
        Files.writeString(modules, "kvm_intel 409600 0 - Live 0x0000000000000000\nkvm 1146880 1 kvm_intel, Live 0x0\n");
        assertEquals(Optional.empty(), probe(sys, modules).kvmModuleProblem(), "kvm_intel runs any guest");

        Files.writeString(modules, "kvm_pvm 98304 0 - Live 0x0000000000000000\nkvm 1146880 1 kvm_pvm, Live 0x0\n");
        assertEquals(Optional.of(PVM), probe(sys, modules).kvmModuleProblem(), "from /proc/modules");

        Files.createDirectories(sys.resolve("kvm_pvm"));
        assertEquals(Optional.of(PVM), probe(sys, tmp.resolve("no-proc-modules")).kvmModuleProblem(), "from /sys/module");
    }

    @Test
    void theReasonSaysWhyKvmIsUnusableThenWhatTheProbeSaw() {
        assertEquals(new Accelerator("tcg", "tcg: KVM unusable: " + PVM
                        + " (/dev/kvm present but a probe guest did not start within 10s); using TCG"),
                AcceleratorProbe.tcg(Optional.of(PVM), "/dev/kvm present but a probe guest did not start within 10s"));
        assertEquals(new Accelerator("tcg", "tcg: /dev/kvm present but a probe guest did not start within 10s"),
                AcceleratorProbe.tcg(Optional.empty(), "/dev/kvm present but a probe guest did not start within 10s"));
    }

    /** On a kvm_pvm host no probe guest is started (a stock kernel would hang until the bound): TCG, saying why. */
    @Test
    void aKvmPvmHostGetsTcgWithoutAProbeGuest(@TempDir Path tmp) throws IOException {
        Path sys = Files.createDirectories(tmp.resolve("sys/module/kvm_pvm"));
        Path kvm = Files.writeString(tmp.resolve("kvm"), "");
        Path kernel = Files.writeString(tmp.resolve("vmlinuz"), "not a kernel");
        // a QEMU that does not exist: a probe would have failed to start it and said so in the reason
        QemuInstallation qemu = new QemuInstallation(tmp.resolve("no-qemu-system-x86_64"), tmp.resolve("no-qemu-img"),
                new QemuVersion(7, 2, 0), new QemuVersion(7, 2, 0), new QemuFeatures(false, false, false, false));
        AcceleratorProbe p = new AcceleratorProbe(qemu, List.of(kernel), kvm, Path.of("/proc/cpuinfo"), sys.getParent(),
                tmp.resolve("no-proc-modules"), Duration.ofSeconds(1));
        assertEquals(new Accelerator("tcg", "tcg: KVM unusable: " + PVM
                + " (/dev/kvm present; no probe guest started, a stock kernel hangs there); using TCG"), p.auto());
    }
}
