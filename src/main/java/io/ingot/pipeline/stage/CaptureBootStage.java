package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildSettings;
import io.ingot.pipeline.Stage;
import io.ingot.pipeline.VmRole;
import io.ingot.qemu.Ovmf;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.QemuImg;
import io.ingot.qemu.VmDriver;
import io.ingot.recipe.RamTemplateRules;
import io.ingot.recipe.Recipe;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;
import io.ingot.util.Sizes;
import io.ingot.vm.HostKeys;
import io.ingot.vm.MacAddresses;
import io.ingot.vm.RestoreScript;
import io.ingot.vm.SeedBuilder;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;

/**
 * Starts the capture VM of a RAM template ({@code template.ram: true}) and leaves it booting: the sealed build disk
 * under a capture overlay, its RAM in a shared memory-backend-file (on tmpfs where it can), a seed like a clone's, a
 * NIC forwarded to a free loopback port. It runs before the template stage, so the guest boots while the sealed disk is converted into the
 * base image (both only read that disk); the ram-template stage then waits for the boot, saves the RAM template and
 * puts the overlay onto the base image, which holds the same disk content.
 */
public final class CaptureBootStage implements Stage {
    /** PCI slot of the capture VM's NIC, clear of the slots the drives take (from 0x3 on). */
    static final String NIC_SLOT = "0x10";
    /** The capture VM's memory file in a runtime directory on tmpfs. */
    static final String SCRATCH_MEMORY = "capture-memory";
    /** The serial log of a capture boot that hung, kept when it is booted again. */
    static final String HUNG_LOG = "serial-ram-hung.log";

    private final PortAllocator ports;
    private final VmDriver driver;
    private final QemuImg qemuImg = new QemuImg();
    private final RamTemplateRules rules = new RamTemplateRules();

    public CaptureBootStage(PortAllocator ports, VmDriver driver) {
        this.ports = ports;
        this.driver = driver;
    }

    @Override
    public String name() { return "capture-boot"; }

    @Override
    public void run(BuildContext build) throws Exception {
        BuildSettings settings = build.settings();
        Recipe.Machine m = settings.machine();
        List<String> violations = rules.violations(m.qemuArgs());
        if (!violations.isEmpty()) {
            throw new IllegalStateException("these QEMU arguments cannot work with a RAM template: " + String.join("; ", violations));
        }
        Path memory = memoryFile(build, Sizes.parseMebibytes(m.memory()));
        String instanceId = UUID.randomUUID().toString();
        build.captureInstanceId(instanceId);
        build.captureMemory(memory);
        boot(build, instanceId, memory, false);
    }

    /**
     * Stops the capture VM and boots it again, its overlay, memory file and seed made anew (after a hang: see
     * {@link RamTemplateStage}); the serial log of the boot that hung is kept beside the new one as {@value #HUNG_LOG}.
     */
    void bootAgain(BuildContext build) throws Exception {
        Path log = build.vm(VmRole.CAPTURE).serialLog();
        GuestVm.stop(build, VmRole.CAPTURE);
        if (Files.exists(log)) Files.move(log, log.resolveSibling(HUNG_LOG), StandardCopyOption.REPLACE_EXISTING);
        boot(build, build.captureInstanceId(), build.captureMemory(), true);
    }

    private void boot(BuildContext build, String instanceId, Path memory, boolean again) throws Exception {
        BuildSettings settings = build.settings();
        Recipe.Machine m = settings.machine();
        Path dir = build.buildDir().resolve(RamTemplateStage.DIR);
        Files.createDirectories(dir);
        Path overlay = dir.resolve(RamTemplateStage.OVERLAY);
        long memoryMiB = Sizes.parseMebibytes(m.memory());
        for (Path p : List.of(overlay, memory, dir.resolve(RamTemplateStage.MEMORY), dir.resolve(RamTemplateStage.STATE))) {
            Files.deleteIfExists(p);
        }
        // on the sealed disk for now (the base image is being made from it); the ram-template stage rebases it
        qemuImg.createOverlay(overlay, dir.relativize(build.disk().path()).toString(), build.disk().format());
        // host keys made here, as in every clone's seed: the guest installs them instead of making its own (seconds
        // under emulation); each memory clone's onRestore replaces them with its own
        SeedBuilder seeds = new SeedBuilder();
        Path seed = seeds.ensureIso(seeds.write(dir.resolve("capture"), new SeedBuilder.Seed(instanceId, settings.name(),
                List.of(build.images().accessKey().publicKeyLine()), HostKeys.generate("root@" + settings.name()))));
        PortLease lease = build.held(this).add(ports.allocate());
        // the slot each memory clone's onRestore script takes (see RestoreScript)
        Path restorePlaceholder = dir.resolve("onrestore");
        Files.write(restorePlaceholder, RestoreScript.placeholder(RestoreScript.SIZE));
        QemuCommand.Builder b = build.qemu().command("ingot-" + build.name() + "-" + build.buildId() + "-ram")
                .machine(m.type()).accel(build.accelerator().name()).cpu(m.cpu()).smp(m.cpus())
                .memoryBackend(new QemuCommand.MemoryBackend("pc.ram", memory, memoryMiB, true, false))
                .disk(overlay, "qcow2", m.disk().iface())
                .drive(new QemuCommand.Drive(seed, "raw", "virtio", true, false))
                .vmgenid(UUID.randomUUID())
                .serialLog(build.buildDir().resolve("serial-ram.log"))
                .qmp(build.runtimeDir().resolve("ram.qmp"))
                .pidFile(build.buildDir().resolve("qemu-ram.pid"))
                .fwCfgFile(RestoreScript.FW_CFG_NAME, restorePlaceholder)
                .extraArgs(m.qemuArgs())
                // a slot of its own: -device is placed before the if=virtio drives, and the migration stream
                // names devices by slot, so the drives must sit where the clones (without a NIC) have them; a MAC
                // under the images' prefix: where the template keeps this NIC, its memory clones have that MAC
                .extraArgs(List.of("-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:" + lease.port() + "-:" + settings.communicator().port(),
                        "-device", m.nic().model() + ",netdev=net0,id=nic0,addr=" + NIC_SLOT
                                + ",mac=" + new MacAddresses(build.images().storages().config().macPrefix()).next()));
        if (m.isUefi()) Ovmf.apply(b, dir);
        if (m.hasGuestAgent()) b.guestAgent(RamTemplateStage.agentSocket(build));
        if (again) GuestVm.startAgain(build, driver, b.build(), VmRole.CAPTURE, lease.port());
        else GuestVm.start(build, driver, b.build(), VmRole.CAPTURE, lease.port());
    }

    /**
     * Where the capture VM's RAM lives while it boots: the build's runtime directory where that is on tmpfs with room
     * for twice the guest's RAM (a file on a disk is written back while the guest dirties it: ~3 s of a first boot
     * under emulation; the ram-template stage then copies it, holes kept, into the build directory), else the
     * build directory itself.
     */
    static Path memoryFile(BuildContext build, long memoryMiB) throws IOException {
        Path runtime = build.runtimeDir();
        FileStore store = Files.getFileStore(runtime);
        boolean room = store.getUsableSpace() >= 2 * (memoryMiB << 20);
        if ("tmpfs".equals(store.type()) && room) return runtime.resolve(SCRATCH_MEMORY);
        return build.buildDir().resolve(RamTemplateStage.DIR).resolve(RamTemplateStage.MEMORY);
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        GuestVm.stop(build, VmRole.CAPTURE);
        build.held(this).close();
        if (build.runtimeDir() != null) Files.deleteIfExists(build.runtimeDir().resolve(SCRATCH_MEMORY));
        if (build.published()) return;
        Path dir = build.buildDir().resolve(RamTemplateStage.DIR);
        for (String f : List.of(RamTemplateStage.OVERLAY, RamTemplateStage.MEMORY, RamTemplateStage.STATE)) {
            Files.deleteIfExists(dir.resolve(f));
        }
    }
}
