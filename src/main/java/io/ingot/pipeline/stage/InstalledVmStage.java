package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.VmDriver;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;

/** Boots the installed disk (no media) with a free loopback port forwarded to the guest's SSH port. */
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
        var recipe = build.recipe().recipe();
        PortLease lease = build.held(this).add(ports.allocate());
        build.sshPort(lease.port());
        QemuCommand.Nic nic = new QemuCommand.Nic(recipe.machine().nic().model(), null, lease.port(),
                recipe.communicator().port());
        QemuCommand cmd = GuestVm.command(build, "provision").bootOrder("c").nic(nic).build();
        GuestVm.start(build, driver, cmd, "provision");
        build.log().info("guest SSH forwarded from 127.0.0.1:" + lease.port());
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        GuestVm.stop(build);
        build.held(this).close();
    }
}
