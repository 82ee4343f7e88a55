package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.VmRole;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.VmDriver;
import io.ingot.recipe.Recipe;

/**
 * Starts the installer VM: the installation ISO (or kernel + initrd) and the empty disk, user-mode
 * network (the guest reaches the answer server as 10.0.2.2), {@code -no-reboot} so the installer's
 * final power-off or reboot ends it.
 */
public final class InstallerVmStage implements Stage {
    private final VmDriver driver;

    public InstallerVmStage(VmDriver driver) { this.driver = driver; }

    @Override
    public String name() { return "installer-vm"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe.Machine m = build.settings().machine();
        Recipe.Media media = build.settings().media();
        QemuCommand.Builder b = GuestVm.command(build, VmRole.INSTALL)
                .noReboot(true)
                .nic(QemuCommand.Nic.user(m.nic().model(), null, null));
        if (media.isIso()) {
            b.cdrom(build.media().installMedia()).bootOrder("dc");
        } else {
            b.kernel(build.media().kernel(), build.media().initrd(), media.append());
        }
        GuestVm.start(build, driver, b.build(), VmRole.INSTALL, 0);
    }

    @Override
    public void cleanup(BuildContext build) {
        GuestVm.stop(build, VmRole.INSTALL);
    }
}
