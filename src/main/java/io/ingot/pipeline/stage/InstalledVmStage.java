package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildSettings;
import io.ingot.pipeline.Stage;
import io.ingot.pipeline.VmRole;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.VmDriver;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;
import io.ingot.vm.SeedBuilder;

import java.nio.file.Path;
import java.util.List;

/**
 * Boots the installed disk (no media) with a free loopback port forwarded to the guest's SSH port. A disk that
 * no installer wrote (a template's overlay, a disk image) gets a NoCloud seed with the build key instead, the way
 * every clone gets its keys: the template was sealed, a cloud image has none.
 */
public final class InstalledVmStage implements Stage {
    private final PortAllocator ports;
    private final VmDriver driver;

    public InstalledVmStage(PortAllocator ports, VmDriver driver) {
        this.ports = ports;
        this.driver = driver;
    }

    @Override
    public String name() { return "installed-vm"; }

    @Override
    public void run(BuildContext build) throws Exception {
        BuildSettings settings = build.settings();
        PortLease lease = build.held(this).add(ports.allocate());
        QemuCommand.Nic nic = new QemuCommand.Nic(settings.machine().nic().model(), null, lease.port(),
                settings.communicator().port());
        QemuCommand.Builder b = GuestVm.command(build, VmRole.PROVISION).bootOrder("c").nic(nic);
        if (!settings.installs()) {
            Path seed = new SeedBuilder().build(build.buildDir().resolve("provision"), "ingot-build-" + build.buildId(), settings.name(),
                    List.of(build.buildKey().publicKeyLine("ingot-build-" + build.buildId())));
            b.drive(new QemuCommand.Drive(seed, "raw", "virtio", true, false));
            build.log().info("NoCloud seed with the build key: " + build.buildDir().relativize(seed));
        }
        QemuCommand cmd = b.build();
        GuestVm.start(build, driver, cmd, VmRole.PROVISION, lease.port());
        build.log().info("guest SSH forwarded from 127.0.0.1:" + lease.port());
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        GuestVm.stop(build, VmRole.PROVISION);
        build.held(this).close();
    }
}
