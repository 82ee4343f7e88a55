package io.ingot.pipeline.stage;

import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.guest.SshNotReady;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import io.ingot.pipeline.BuildSettings;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.DeviceState;
import io.ingot.qemu.GuestAgent;
import io.ingot.qemu.GuestStall;
import io.ingot.qemu.HostCpu;
import io.ingot.qemu.QemuImg;
import io.ingot.qemu.Vm;
import io.ingot.recipe.Recipe;
import io.ingot.storage.DiskCopy;
import io.ingot.template.KeptNic;
import io.ingot.template.Manifest;
import io.ingot.template.RamCompatibility;
import io.ingot.util.Sha256;
import io.ingot.util.Sizes;
import io.ingot.vm.RestoreScript;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Captures the RAM template ({@code template.ram: true}) from the capture VM the capture-boot stage started: waits
 * for SSH and a settled boot (the build's check of a cold first boot; the verify checks then run in a memory clone),
 * syncs the guest, keeps its NIC where the template has a guest agent ({@link KeptNic}: each memory clone's first NIC,
 * as the boot set it up) and unplugs it otherwise (memory clones plug in their own), stops it and saves the
 * device state with {@code x-ignore-shared}; a memory file on tmpfs is copied into the build directory, holes kept.
 * The capture overlay, made on the sealed disk, is then put onto the base image the template stage made of that disk.
 * Overlay, memory file and state file join the template version. Nothing to clean up here: the capture-boot stage,
 * which made the VM and its files, ends and removes them.
 */
public final class RamTemplateStage implements Stage {
    static final String DIR = "ram";
    static final String OVERLAY = "overlay.qcow2";
    static final String MEMORY = "memory";
    static final String STATE = "state";
    private static final Duration UNPLUG_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(10);
    /** Waits for systemd's start-up and cloud-init where the guest has them (a degraded system still counts as up). */
    static final String SETTLE = GuestVm.AWAIT_BOOT_END + "; "
            + "if command -v cloud-init > /dev/null 2>&1 && ! " + GuestVm.CLOUD_INIT_SETTLED + "; then "
            + "cloud-init status --wait > /dev/null || true; fi; sync";
    /** Succeeds where cloud-init is missing, or where it took the seed with {@code instanceId}. */
    static String seedTaken(String instanceId) {
        return "! command -v cloud-init > /dev/null 2>&1 || test \"$(cat /var/lib/cloud/data/instance-id 2>/dev/null)\" = "
                + instanceId;
    }

    private final QemuImg qemuImg = new QemuImg();
    private final BootAgain bootAgain;
    private final Duration stallPatience;

    /** Boots the capture VM again: {@link CaptureBootStage#bootAgain}, or a fake in a stage test. */
    @FunctionalInterface
    interface BootAgain {
        void bootAgain(BuildContext build) throws Exception;
    }

    /** {@code captureBoot}: the stage that started the capture VM, which boots it again after a hang. */
    public RamTemplateStage(CaptureBootStage captureBoot) {
        this(captureBoot::bootAgain, GuestStall.PATIENCE);
    }

    RamTemplateStage(BootAgain bootAgain, Duration stallPatience) {
        this.bootAgain = bootAgain;
        this.stallPatience = stallPatience;
    }

    @Override
    public String name() { return "ram-template"; }

    /** The capture VM's guest agent socket. */
    static Path agentSocket(BuildContext build) {
        return build.runtimeDir().resolve("ram.qga");
    }

    @Override
    public void run(BuildContext build) throws Exception {
        BuildSettings settings = build.settings();
        Recipe.Machine m = settings.machine();
        Path dir = build.buildDir().resolve(DIR);
        Path overlay = dir.resolve(OVERLAY);
        Path memory = dir.resolve(MEMORY);
        Path state = dir.resolve(STATE);
        long memoryMiB = Sizes.parseMebibytes(m.memory());
        var access = build.images().accessKey();
        KeptNic keptNic = null;
        try {
            BuildKey key = BuildKey.load(access.privateKeyPath());
            try (SshCommunicator ssh = awaitCapture(build, key)) {
                String instanceId = build.captureInstanceId();
                // an SSH answer comes before the end of the boot (cloud-init's last stages, other units): capture
                // a settled guest, or every memory clone would run the rest of the boot again after its restore
                build.log().info("capture VM answered SSH; waiting for its boot to finish, then syncing its disks");
                ssh.run(SETTLE, SETTLE_TIMEOUT);
                // this boot is the build's check of a cold first boot (the verify checks run in a memory clone of
                // it): where cloud-init runs, it must have taken this seed
                if (ssh.exec(seedTaken(instanceId), Map.of(), SETTLE_TIMEOUT, line -> { }).exitStatus() != 0) {
                    throw new IllegalStateException("the capture VM booted, but its cloud-init did not take the seed"
                            + " (/var/lib/cloud/data/instance-id is not " + instanceId + ")");
                }
            }
            Vm vm = build.vm(VmRole.CAPTURE).vm();
            if (m.hasGuestAgent()) {
                // kept, up and addressed: each memory clone's first NIC (onRestore, run through the agent, is told so)
                keptNic = new KeptNic(CaptureBootStage.NIC_SLOT,
                        vm.qmp().execute("qom-get", Map.of("path", "/machine/peripheral/nic0", "property", "mac")).asText());
                freeze(build, agentSocket(build));
            } else {
                unplugNic(vm);
            }
            long t0 = System.nanoTime();
            vm.qmp().stop();
            DeviceState.save(vm.qmp(), build.qemu().features(), state, Duration.ofMinutes(2));
            build.log().info(String.format("device state saved in %d ms (%d KiB)", (System.nanoTime() - t0) / 1_000_000,
                    Files.size(state) >> 10));
        } finally {
            // its stage's end only when the memory is saved: a failed capture reports the VM's screen and console
            build.vm(VmRole.CAPTURE).vm().stop(Duration.ofSeconds(5));
        }
        build.vm(VmRole.CAPTURE).end();
        Path captured = build.captureMemory();
        if (!captured.equals(memory)) {
            long t0 = System.nanoTime();
            DiskCopy.copy(captured, memory);
            Files.delete(captured);
            build.log().info(String.format("memory file copied from tmpfs, holes kept, in %d ms",
                    (System.nanoTime() - t0) / 1_000_000));
        }
        // the same disk content as the sealed disk it was made on: only the name of the backing file changes
        qemuImg.rebaseUnsafe(overlay, "../" + build.template().baseImage().getFileName(), "qcow2");
        RamCompatibility compat = RamCompatibility.of(build.qemu().version().toString(), m.type(), m.cpu(),
                (int) memoryMiB, RamCompatibility.ramDevices(build.manifest().devices(), keptNic != null), build.accelerator().name(),
                HostCpu.flags());
        Manifest.Ram ram = new Manifest.Ram(ramFile(memory), ramFile(state), ramFile(overlay), compat.key(), compat,
                m.nic().model(), settings.onRestore(), RestoreScript.SIZE, keptNic);
        build.ram(ram);
        build.extraFiles().put(DIR + "/" + OVERLAY, overlay);
        build.extraFiles().put(DIR + "/" + MEMORY, memory);
        build.extraFiles().put(DIR + "/" + STATE, state);
        build.log().info(String.format("RAM template: %d MiB memory file, capture overlay %d KiB",
                Files.size(memory) >> 20, Files.size(overlay) >> 10));
    }

    /**
     * Logs in to the capture VM once it answers SSH. A capture VM that hung while it booted (its kernel reported a
     * stalled CPU, then nothing answered for {@link GuestStall#PATIENCE}) is booted again, once: nothing of that
     * boot is kept but its serial log, renamed (see {@link CaptureBootStage#bootAgain}).
     */
    SshCommunicator awaitCapture(BuildContext build, BuildKey key) throws Exception {
        for (int boot = 1; ; boot++) {
            BuildVm capture = build.vm(VmRole.CAPTURE);
            GuestStall stall = GuestStall.watching(capture.serialLog(), stallPatience);
            SshLogin login = SshLogin.of("127.0.0.1", capture.sshPort(), build.settings().communicator().user(),
                    key.keyPair(), GuestConnection.timeout(build)).reporting(line -> build.log().info("ssh: " + line),
                    () -> !capture.vm().isAlive() ? "the capture VM's QEMU exited"
                            : stall.hung().map(h -> "the capture VM hung: " + h).orElse(null));
            try {
                return SshCommunicator.connect(login);
            } catch (SshNotReady e) {
                if (boot > 1 || stall.hung().isEmpty()) throw e;
                build.log().stage("the capture VM hung while it booted (" + stall.report().orElseThrow()
                        + "); booting it again");
                bootAgain.bootAgain(build);
            }
        }
    }

    /**
     * Unplugs the capture VM's NIC (a template without a guest agent: its clones plug in their own, which its onRestore,
     * run over SSH or from fw_cfg, then finds new and unconfigured, as at a boot).
     */
    private static void unplugNic(Vm vm) {
        vm.qmp().execute("device_del", Map.of("id", "nic0"));
        if (vm.qmp().awaitEvent("DEVICE_DELETED", UNPLUG_TIMEOUT).isEmpty()) {
            throw new IllegalStateException("the guest did not release its NIC within " + UNPLUG_TIMEOUT.toSeconds()
                    + "s; a RAM template needs ACPI PCI hot-plug in the guest");
        }
        vm.qmp().execute("netdev_del", Map.of("id", "net0"));
    }

    /**
     * Freezes the capture VM's file systems through its guest agent, so the captured disk is clean: a memory
     * clone started {@code --cold} boots from it without a journal replay. Each memory clone thaws them
     * right after its restore.
     */
    private static void freeze(BuildContext build, Path agentSocket) {
        try (GuestAgent agent = GuestAgent.connect(agentSocket, AGENT_TIMEOUT)) {
            int frozen = agent.freeze(AGENT_TIMEOUT);
            build.log().info("froze " + frozen + " file systems through the guest agent");
        } catch (IOException e) {
            throw new IllegalStateException("machine.guestAgent is true, but the capture VM's qemu-guest-agent did not freeze"
                    + " its file systems: " + e.getMessage() + " (is qemu-guest-agent installed and enabled in the image?)");
        }
    }

    private static Manifest.RamFile ramFile(Path file) throws IOException {
        return new Manifest.RamFile(DIR + "/" + file.getFileName(), Sha256.of(file), Files.size(file));
    }
}
