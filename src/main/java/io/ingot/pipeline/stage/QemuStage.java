package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuInstallation;

/** Finds QEMU and its features and chooses the accelerator the recipe asks for, saying why. */
public final class QemuStage implements Stage {
    // probed once per process: the KVM probe boots a guest, which takes seconds where KVM hangs
    private AcceleratorProbe probe;

    @Override
    public String name() { return "qemu"; }

    @Override
    public void run(BuildContext build) {
        QemuInstallation qemu = QemuInstallation.detect(System.getenv(), build.paths().state().resolve(QemuInstallation.FEATURE_CACHE));
        build.qemu(qemu);
        build.log().info("QEMU " + qemu.version() + " (" + qemu.system() + "), features: " + qemu.features().byLabel());
        build.accelerator(probe(qemu, build).resolve(build.settings().machine().accel()));
        build.log().info("accelerator: " + build.accelerator().reason());
    }

    private synchronized AcceleratorProbe probe(QemuInstallation qemu, BuildContext build) {
        if (probe == null) probe = AcceleratorProbe.forIngot(qemu, build.paths());
        return probe;
    }
}
