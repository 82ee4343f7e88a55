package io.ingot.pipeline.stage;

import io.ingot.guest.BuildKey;
import io.ingot.pipeline.BuildContext;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.vm.CloneRunner;
import io.ingot.vm.HostKeys;
import io.ingot.vm.IdentityRefresh;
import io.ingot.vm.MacAddresses;
import io.ingot.vm.SeedBuilder;
import io.ingot.vm.VmConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The clone the verify checks run in, made in the build's {@code verify/} folder: a memory clone resumed from the
 * RAM template this build captured (when it has one), else a linked clone of the base image booted cold. The RAM
 * template's capture VM was itself a cold boot of the template with a seed, waited for until SSH answered and systemd
 * settled: the memory clone adds what a cold clone never showed, that the RAM template resumes and takes a clone's
 * identity through onRestore, in seconds instead of a second full first boot.
 */
final class VerifyClone {
    private final BuildContext build;
    private final CloneRunner runner;
    private final Path dir;
    private final QemuImg qemuImg = new QemuImg();

    VerifyClone(BuildContext build, CloneRunner runner, Path dir) {
        this.build = build;
        this.runner = runner;
        this.dir = dir;
    }

    /** The overlay the clone writes to; removed once the checks ran. */
    Path overlay() { return dir.resolve("disk.qcow2"); }

    /** Whether the checks run in a memory clone: the build captured a RAM template. */
    boolean fromRam() {
        return build.manifest().ram() != null && ramFile("memory") != null;
    }

    /**
     * Resumes a memory clone named {@code vmName} from this build's RAM template, with a seed like every memory
     * clone's (ingot's access key, host keys made here), and runs the recipe's onRestore in it with the identity of
     * a clone named {@code hostname}. The QEMU name, sockets and run record take {@code vmName} (a build's own, so two
     * builds of one recipe never share them); onRestore takes its INGOT_HOSTNAME from the clone's name, hence the
     * identity is given from a copy of its config named {@code hostname}, through the guest agent or over SSH (a
     * template that runs onRestore from fw_cfg as it resumes ran it with {@code vmName}, and runs it again).
     */
    CloneRunner.Running resume(String vmName, String hostname) throws IOException {
        Manifest.Ram ram = build.manifest().ram();
        Path captureOverlay = ramFile("overlay.qcow2");
        // the memory clone's disk continues from the disk state the RAM was captured with
        qemuImg.createOverlay(overlay(), dir.relativize(captureOverlay).toString(), "qcow2");
        String instanceId = UUID.randomUUID().toString();
        var access = build.images().accessKey();
        Path seed = new SeedBuilder().write(dir, new SeedBuilder.Seed(instanceId, hostname, List.of(access.publicKeyLine()),
                HostKeys.generate("root@" + hostname)));
        var m = build.manifest();
        // a template that kept its capture VM's NIC: that NIC, with its MAC, is the clone's (see KeptNic)
        String mac = ram.keptNic() != null ? ram.keptNic().mac() : new MacAddresses(build.images().storages().config().macPrefix()).next();
        VmConfig.Machine machine = new VmConfig.Machine(m.machineType(), m.cpuModel(), m.cpus(), m.memoryMiB(), m.devices());
        VmConfig.DiskRef disk = new VmConfig.DiskRef(overlay().toString(), "qcow2", captureOverlay.toString());
        List<VmConfig.NicConfig> nics = List.of(new VmConfig.NicConfig(ram.nicModel(), mac));
        VmConfig.Ram memory = new VmConfig.Ram(ramFile("memory").toString(), ramFile("state").toString(), ram.compatibility(),
                ram.nicModel(), ram.onRestore(), ram.restoreScriptSize(), ram.keptNic());
        VmConfig vm = new VmConfig(vmName, null, "memory", null, Instant.now(), disk, seed.toString(), machine, nics,
                UUID.randomUUID().toString(), UUID.randomUUID().toString(), instanceId, memory);
        VmConfig identity = vm.withName(hostname);
        CloneRunner.Running running = runner.resume(vm, dir, build.runtimeDir(), false);
        try {
            long t0 = System.nanoTime();
            CloneRunner.Running named = new CloneRunner.Running(identity, running.process(), running.sshPort(), running.serialLog(),
                    running.lease(), running.resumedAfter(), running.agentSocket(), null, running.consoleSocket(), running.phases());
            String hostKey = IdentityRefresh.refresh(named, BuildKey.load(access.privateKeyPath()).keyPair(),
                    GuestConnection.timeout(build), line -> build.log().info(line));
            build.log().info(String.format("verify clone %s resumed as a memory clone of this build's RAM template in %d ms"
                            + " (QEMU pid %d); onRestore gave it the identity of %s in %d ms, host key %s",
                    running.process().command().name(), running.resumedAfter().toMillis(), running.process().pid(), hostname,
                    (System.nanoTime() - t0) / 1_000_000, hostKey));
            return running;
        } catch (IOException | RuntimeException e) {
            running.close();
            throw e;
        }
    }

    /** Boots a linked clone of the base image named {@code vmName}, with host name {@code hostname} in its seed. */
    CloneRunner.Running boot(String vmName, String hostname) throws IOException {
        qemuImg.createOverlay(overlay(), dir.relativize(build.template().baseImage()).toString(), "qcow2");
        String instanceId = UUID.randomUUID().toString();
        Path seed = new SeedBuilder().build(dir, instanceId, hostname, List.of(build.images().accessKey().publicKeyLine()));
        var m = build.manifest();
        VmConfig vm = new VmConfig(vmName, null, "linked", null, Instant.now(),
                new VmConfig.DiskRef(overlay().toString(), "qcow2", build.template().baseImage().toString()), seed.toString(),
                new VmConfig.Machine(m.machineType(), m.cpuModel(), m.cpus(), m.memoryMiB(), m.devices()),
                List.of(new VmConfig.NicConfig(build.settings().machine().nic().model(), null)),
                UUID.randomUUID().toString(), UUID.randomUUID().toString(), instanceId);
        CloneRunner.Running running = runner.start(vm, dir, build.runtimeDir());
        build.log().info("verify clone " + running.process().command().name() + " booting (QEMU pid " + running.process().pid() + ")");
        return running;
    }

    /** A file of the RAM template this build captured, where it lies until publish (null when there is none). */
    private Path ramFile(String name) {
        Path p = build.extraFiles().get(RamTemplateStage.DIR + "/" + name);
        return p != null && Files.exists(p) ? p : null;
    }
}
