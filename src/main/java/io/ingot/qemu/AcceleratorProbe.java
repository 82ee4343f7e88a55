package io.ingot.qemu;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ingot.util.IngotPaths;
import io.ingot.util.PausePoint;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Chooses the accelerator for {@code machine.accel: auto}: KVM only where a probe guest really runs
 * under it, else TCG, with the reason in words. A usable-looking {@code /dev/kvm} is not enough: on a
 * nested host without vmx/svm guest kernels hang right after the bootloader, so the probe boots a real
 * kernel without an initrd and waits for its "VFS: Unable to mount root fs" panic.
 * The result of {@link #auto()} is kept per instance.
 */
public final class AcceleratorProbe {
    public static final Duration DEFAULT_BOUND = Duration.ofSeconds(10);
    static final String PANIC = "Kernel panic - not syncing";
    static final String LINUX_VERSION = "Linux version";
    static final String BOOT_SECTOR_MARKER = "INGOT-PROBE-OK";

    /** See resources/io/ingot/qemu/probe-bootsector.S: real mode -> long mode, marker to COM1, halt. */
    private static final String BOOT_SECTOR_HEX =
            "fafc31c08ed88ec08ed0bc007cbaf803b052eee4920c02e692bf0010b9001831c0f3abc70600100320c70600200330c7"
            + "0600308300660f0116a07c0f20e06683c8200f22e066b8001000000f22d866b9800000c00f32660d000100000f300f20"
            + "c0660d010000800f22c066ea727c0000080066baf803488d3529000000ac84c07403eeebf8f4ebfd0000000000000000"
            + "00000000009a200000000000009200001700887c0000494e474f542d50524f42452d4f4b206c6f6e67206d6f64650a00";

    private final QemuInstallation qemu;
    private final List<Path> kernelCandidates;
    private final Path kvmDevice;
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private final Path cpuinfo;
    private final Path sysModules;
    private final Path procModules;
    private final Duration bound;
    private Accelerator auto;
    private Path resultFile;
    private RunRegistry registry;

    /**
     * @param kernelCandidates kernels to try first (the project's cached test kernel); then
     *                         /boot/vmlinuz-$(uname -r) and any /boot/vmlinuz-* are tried
     */
    public AcceleratorProbe(QemuInstallation qemu, List<Path> kernelCandidates) {
        this(qemu, kernelCandidates, Path.of("/dev/kvm"), Path.of("/proc/cpuinfo"), DEFAULT_BOUND);
    }

    AcceleratorProbe(QemuInstallation qemu, List<Path> kernelCandidates, Path kvmDevice, Path cpuinfo, Duration bound) {
        this(qemu, kernelCandidates, kvmDevice, cpuinfo, Path.of("/sys/module"), Path.of("/proc/modules"), bound);
    }

    AcceleratorProbe(QemuInstallation qemu, List<Path> kernelCandidates, Path kvmDevice, Path cpuinfo,
                     Path sysModules, Path procModules, Duration bound) {
        this.qemu = qemu;
        this.kernelCandidates = List.copyOf(kernelCandidates);
        this.kvmDevice = kvmDevice;
        this.cpuinfo = cpuinfo;
        this.sysModules = sysModules;
        this.procModules = procModules;
        this.bound = bound;
    }

    /**
     * The probe ingot uses everywhere (builds, doctor, start, bench): it boots the cached test kernel and
     * remembers its outcome in the private state, so only the first command after a host boot pays for it.
     */
    public static AcceleratorProbe forIngot(QemuInstallation qemu, IngotPaths paths) {
        return new AcceleratorProbe(qemu, cachedTestKernels(paths.cache())).rememberIn(paths.state().resolve("accelerator.json"))
                .recordIn(paths.state().resolve("run"));
    }

    /** The kernels of the project's cached tiny install media: {@code <cache>/media/tinyinstall-* /vmlinuz}. */
    public static List<Path> cachedTestKernels(Path cache) {
        return glob(cache.resolve("media"), "tinyinstall-*").stream().map(d -> d.resolve("vmlinuz")).filter(Files::isRegularFile).toList();
    }

    /**
     * The accelerator for a recipe's {@code machine.accel}: {@code auto} probes, {@code kvm} and {@code tcg} are
     * honoured ({@code kvm} without a usable /dev/kvm is a {@link UserError}).
     */
    public Accelerator resolve(String requested) {
        String r = requested == null ? "auto" : requested.trim().toLowerCase();
        switch (r) {
            case "auto":
                return auto();
            case "tcg":
                return new Accelerator("tcg", "tcg: requested (machine.accel: tcg)");
            case "kvm":
                deviceProblem().ifPresent(p -> {
                    throw new UserError("machine.accel is kvm but " + p + "; use accel: auto or tcg");
                });
                return new Accelerator("kvm", "kvm: requested (machine.accel: kvm)");
            default:
                throw new UserError("machine.accel: unknown accelerator '" + requested + "' (use auto, kvm or tcg)");
        }
    }

    /**
     * Remembers the outcome of {@code auto} in {@code file} for as long as the host stays up with the same
     * QEMU, /dev/kvm and probe kernel: the probe boots a guest, which costs seconds where KVM hangs.
     */
    public AcceleratorProbe rememberIn(Path file) {
        this.resultFile = file;
        return this;
    }

    /**
     * Records each probe guest's QEMU in the run registry at {@code runDir} while it runs, so that the recovery step
     * finds it if ingot is killed during the probe (it is also tethered to this JVM, like a build VM).
     */
    public AcceleratorProbe recordIn(Path runDir) {
        this.registry = new RunRegistry(runDir);
        return this;
    }

    /** What {@code auto} uses here, probed once per instance (and per host boot with {@link #rememberIn}). */
    public synchronized Accelerator auto() {
        if (auto != null) return auto;
        // v2: reasons name the host's KVM module; results remembered before that are probed again
        String key = String.join("|", "v2", readQuietly(Path.of("/proc/sys/kernel/random/boot_id")).strip(),
                String.valueOf(qemu.version()), deviceProblem().orElse("usable"), kvmModuleProblem().orElse("module ok"),
                findKernel().map(Path::toString).orElse("no kernel"));
        if (resultFile != null) {
            try {
                var saved = JSON.readTree(resultFile.toFile());
                if (key.equals(saved.path("key").asText())) {
                    auto = new Accelerator(saved.path("name").asText(), saved.path("reason").asText()
                            + " (probed " + saved.path("probedAt").asText() + ")");
                    return auto;
                }
            } catch (IOException | RuntimeException ignored) {
                // no usable earlier result: probe
            }
        }
        auto = decide();
        if (resultFile != null) {
            try {
                Files.createDirectories(resultFile.getParent());
                Path tmp = resultFile.resolveSibling(resultFile.getFileName() + ".tmp");
                JSON.writeValue(tmp.toFile(), Map.of("key", key, "name", auto.name(), "reason", auto.reason(),
                        "probedAt", Instant.now().toString()));
                Files.move(tmp, resultFile, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException ignored) {
                // the next process probes again
            }
        }
        return auto;
    }

    private Accelerator decide() {
        Optional<String> problem = deviceProblem();
        if (problem.isPresent()) return new Accelerator("tcg", "tcg: " + problem.get());
        Optional<String> module = kvmModuleProblem();
        // a module that runs only PVM guest kernels: a stock probe kernel would hang until the bound (10 s of every
        // first command per host boot), and the guests of recipes are stock kernels too
        if (module.isPresent()) return tcg(module, "/dev/kvm present; no probe guest started, a stock kernel hangs there");
        Optional<Path> kernel = findKernel();
        ProbeOutcome outcome = kernel.isPresent() ? probeKernel("kvm", kernel.get()) : probeBootSector("kvm");
        if (!outcome.passed()) return tcg(module, "/dev/kvm present but " + outcome.detail());
        if (kernel.isPresent()) return new Accelerator("kvm", "kvm: " + outcome.detail());
        // A boot sector proves little: it also runs where kernels hang (measured on a nested host without vmx/svm).
        if (cpuHasVirtualization()) {
            return new Accelerator("kvm", "kvm: no Linux kernel found to probe; " + outcome.detail()
                    + " (only a boot sector in real and long mode was tested)");
        }
        return new Accelerator("tcg", "tcg: /dev/kvm present and " + outcome.detail()
                + ", but only a boot sector was tested (no Linux kernel found) and the CPU shows no vmx/svm,"
                + " where guest kernels have been seen to hang; set machine.accel: kvm to force it");
    }

    /** TCG, saying why KVM is unusable: the host's KVM module first where it explains it, then what the probe saw. */
    static Accelerator tcg(Optional<String> module, String probed) {
        return new Accelerator("tcg", module.map(m -> "tcg: KVM unusable: " + m + " (" + probed + "); using TCG")
                .orElse("tcg: " + probed));
    }

    /**
     * Why guest kernels cannot run on this host's KVM, when its module tells: {@code kvm_pvm} (PVM,
     * virtualisation without VMX/SVM) runs only guest kernels built for PVM; stock kernels and SeaBIOS
     * hang or fail on it ({@code failed to set MSR 0x10a}, {@code KVM internal error}).
     */
    Optional<String> kvmModuleProblem() {
        boolean pvm = Files.isDirectory(sysModules.resolve("kvm_pvm"))
                || readQuietly(procModules).lines().anyMatch(l -> l.startsWith("kvm_pvm "));
        return pvm ? Optional.of("the host's KVM module is kvm_pvm, which runs only PVM guest kernels") : Optional.empty();
    }

    /** Why /dev/kvm cannot be used at all, if so. */
    Optional<String> deviceProblem() {
        if (!Files.exists(kvmDevice)) return Optional.of(kvmDevice + " missing");
        if (!Files.isReadable(kvmDevice) || !Files.isWritable(kvmDevice)) {
            return Optional.of(kvmDevice + " not read-writable by this user (add it to the kvm group)");
        }
        return Optional.empty();
    }

    Optional<Path> findKernel() {
        List<Path> candidates = new ArrayList<>(kernelCandidates);
        candidates.add(Path.of("/boot", "vmlinuz-" + System.getProperty("os.version")));
        candidates.addAll(glob(Path.of("/boot"), "vmlinuz-*"));
        return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isReadable(p)).findFirst();
    }

    private boolean cpuHasVirtualization() {
        try {
            String text = Files.readString(cpuinfo, StandardCharsets.ISO_8859_1);
            return text.matches("(?s).*\\b(vmx|svm)\\b.*");
        } catch (IOException e) {
            return false;
        }
    }

    /** How one probe guest went. */
    record ProbeOutcome(boolean passed, Duration elapsed, String detail) { }

    /** Boots {@code kernel} without an initrd; it passes when the root-fs panic shows on the serial console. */
    ProbeOutcome probeKernel(String accel, Path kernel) {
        return runProbe(accel, dir -> List.of("-kernel", kernel.toString(), "-append", "console=ttyS0 panic=-1"),
                LINUX_VERSION, PANIC, "probe guest reached the kernel's root-fs panic");
    }

    /** Boots the built-in boot sector; it passes when its marker shows on the serial console. */
    ProbeOutcome probeBootSector(String accel) {
        return runProbe(accel, dir -> {
            Path img = dir.resolve("probe.img");
            Files.write(img, bootSector());
            return List.of("-drive", "file=" + QemuCommand.esc(img) + ",format=raw,if=ide");
        }, "R", BOOT_SECTOR_MARKER, "a boot-sector probe reached long mode");
    }

    static byte[] bootSector() {
        byte[] code = HexFormat.of().parseHex(BOOT_SECTOR_HEX);
        byte[] sector = new byte[512];
        System.arraycopy(code, 0, sector, 0, code.length);
        sector[510] = 0x55;
        sector[511] = (byte) 0xaa;
        return sector;
    }

    private interface BootArgs {
        List<String> in(Path dir) throws IOException;
    }

    private ProbeOutcome runProbe(String accel, BootArgs bootArgs, String started, String done, String success) {
        Path dir = null;
        Process p = null;
        String name = "ingot-accel-probe-" + ProcessHandle.current().pid();
        long t0 = System.nanoTime();
        try {
            dir = Files.createTempDirectory("ingot-accel-probe");
            Path serial = dir.resolve("serial.log");
            Path stderr = dir.resolve("qemu.log");
            List<String> argv = new ArrayList<>(List.of(qemu.system().toString(), "-accel", accel, "-machine", "pc",
                    "-nodefaults", "-display", "none", "-no-reboot", "-m", "128", "-serial", "file:" + QemuCommand.esc(serial)));
            argv.addAll(bootArgs.in(dir));
            Tether tether = Tether.forBuildVm(qemu.features(), false);
            t0 = System.nanoTime();
            p = new ProcessBuilder(tether.apply(new QemuCommand(name, argv, null, serial, null)).argv())
                    .redirectErrorStream(true).redirectOutput(stderr.toFile())
                    .redirectInput(tether.needsPipe() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (registry != null) {
                ProcessHandle self = ProcessHandle.current();
                registry.write(new RunRecord(name, p.pid(), QemuProcess.startOf(p.toHandle()).orElse(null), argv.get(0),
                        self.pid(), QemuProcess.startOf(self).orElse(null), argv, false, null));
            }
            PausePoint.at("accel-probe");
            long deadline = t0 + bound.toNanos();
            String log = "";
            while (System.nanoTime() < deadline) {
                log = readQuietly(serial);
                if (log.contains(done)) {
                    Duration took = Duration.ofNanos(System.nanoTime() - t0);
                    return new ProbeOutcome(true, took, success + " in " + seconds(took));
                }
                if (!p.isAlive()) {
                    log = readQuietly(serial);
                    if (log.contains(done)) continue;
                    String why = lastLine(readQuietly(stderr));
                    return new ProbeOutcome(false, Duration.ofNanos(System.nanoTime() - t0),
                            "QEMU could not run a probe guest with -accel " + accel + (why.isEmpty() ? "" : ": " + why));
                }
                Thread.sleep(50);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            String what = log.contains(started) ? "a probe guest started but did not finish booting" : "a probe guest did not start";
            return new ProbeOutcome(false, took, what + " within " + bound.toSeconds() + "s");
        } catch (IOException e) {
            return new ProbeOutcome(false, Duration.ofNanos(System.nanoTime() - t0), "the probe could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProbeOutcome(false, Duration.ofNanos(System.nanoTime() - t0), "the probe was interrupted");
        } finally {
            if (p != null) killQuietly(p);
            if (registry != null) registry.remove(name);
            if (dir != null) deleteQuietly(dir);
        }
    }

    private static void killQuietly(Process p) {
        p.destroyForcibly();
        try {
            p.getOutputStream().close(); // a watchdog's pipe: it finds QEMU gone and ends
        } catch (IOException ignored) {
            // none, or gone
        }
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String seconds(Duration d) {
        return String.format("%.1fs", d.toMillis() / 1000.0);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
    }

    private static List<Path> glob(Path dir, String pattern) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) return found;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, pattern)) {
            ds.forEach(found::add);
        } catch (IOException ignored) {
            // an unreadable directory simply offers no candidates
        }
        found.sort(null);
        return found;
    }

    private static void deleteQuietly(Path dir) {
        Trees.deleteQuietly(dir); // temp directory; nothing depends on it
    }
}
