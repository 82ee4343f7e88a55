package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.QemuCommand;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;

/** Boots the installed disk (no media) with a free loopback port forwarded to the guest's SSH port. */
public final class InstalledVmStage implements Stage {
    private final PortAllocator ports;

    public InstalledVmStage(PortAllocator ports) { this.ports = ports; }

    @Override
    public String name() { return "installed-vm"; }

    @Override
    public void run(BuildContext build) throws Exception {
        var recipe = build.recipe().recipe();
        PortLease lease = ports.allocate();
        build.leases().add(lease);
        build.sshPort(lease.port());
        QemuCommand.Nic nic = new QemuCommand.Nic(recipe.machine().nic().model(), null, lease.port(),
                recipe.communicator().port());
        QemuCommand cmd = GuestVm.command(build, "provision").bootOrder("c").nic(nic).build();
        GuestVm.start(build, cmd, "provision");
        build.log().info("guest SSH forwarded from 127.0.0.1:" + lease.port());
    }

    @Override
    public void cleanup(BuildContext build) {
        GuestVm.stop(build);
    }
}
