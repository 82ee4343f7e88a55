package io.ingot.pipeline.stage;

import io.ingot.catalog.ImageStore;
import io.ingot.guest.BuildKey;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildOwner;
import io.ingot.pipeline.Recovery;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuInstallation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Gets a build ready: opens the catalog and runs the recovery step (QEMU left by builds that died,
 * interrupted builds, publishes, removals and clones), records the build, detects QEMU and its features,
 * chooses the accelerator (and says why), makes the per-build SSH key.
 */
public final class PrepareStage implements Stage {
    // probed once per process: the KVM probe boots a guest, which takes seconds where KVM hangs
    private AcceleratorProbe probe;

    @Override
    public String name() { return "prepare"; }

    @Override
    public void run(BuildContext build) throws Exception {
        build.images(ImageStore.open(build.paths()));
        for (String line : new Recovery(build.paths()).run(build.images(), false)) build.log().info("recovery: " + line);
        build.images().catalog().buildStarted(build.buildId(), build.name(), build.started());
        QemuInstallation qemu = QemuInstallation.detect();
        build.qemu(qemu);
        build.log().info("QEMU " + qemu.version() + " (" + qemu.system() + ")");
        build.accelerator(probe(qemu, build).resolve(build.recipe().recipe().machine().accel()));
        build.log().info("accelerator: " + build.accelerator().reason());
        build.runtimeDir(Files.createTempDirectory("ingot-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------"))));
        BuildOwner.current().withRuntimeDir(build.runtimeDir()).write(build.buildDir());
        build.buildKey(BuildKey.generate());
        build.log().info("build key " + build.buildKey().fingerprint());
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        List<AutoCloseable> leases = new ArrayList<>(build.leases());
        java.util.Collections.reverse(leases);
        for (AutoCloseable lease : leases) lease.close();
        build.leases().clear();
        if (build.runtimeDir() != null && Files.isDirectory(build.runtimeDir())) {
            try (Stream<Path> walk = Files.walk(build.runtimeDir())) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private synchronized AcceleratorProbe probe(QemuInstallation qemu, BuildContext build) {
        if (probe == null) {
            probe = AcceleratorProbe.forIngot(qemu, build.paths());
        }
        return probe;
    }
}
