package io.ingot.images;

import io.ingot.network.AddressPlan;
import io.ingot.network.DhcpAddresses;
import io.ingot.network.Network;
import io.ingot.network.NetworksFile;
import io.ingot.network.TapDevices;
import io.ingot.catalog.CloneRecord;
import io.ingot.util.UserError;
import io.ingot.vm.RunningClone;
import io.ingot.vm.VmConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where a clone's NICs are: a static address from its VM config, a DHCP one from the network's lease file or the
 * bridge's neighbour table, the user network's through ingot's SSH forward on loopback. networks.yaml is read once,
 * when a NIC on a named network first needs it (a broken file concerns only those clones).
 */
public final class CloneAddresses {
    private final Supplier<NetworksFile> load;
    private final DhcpAddresses dhcp;
    private NetworksFile networks;

    public CloneAddresses(Supplier<NetworksFile> networks, DhcpAddresses dhcp) {
        this.load = networks;
        this.dhcp = dhcp;
    }

    /** The addresses of clones in the images folder {@code images}. */
    public static CloneAddresses of(Path images) {
        return new CloneAddresses(() -> NetworksFile.load(images), new DhcpAddresses());
    }

    private NetworksFile networks() {
        if (networks == null) networks = load.get();
        return networks;
    }

    /**
     * The NICs of a recorded clone if it runs (empty otherwise), found from its VM config in the catalog alone: its
     * run record is beside its seed, in its folder, whatever the storage.
     */
    public List<RunningClone.Nic> running(CloneRecord clone) throws IOException {
        VmConfig vm = VmConfig.fromJson(clone.vmConfigJson());
        Optional<RunningClone> r = RunningClone.read(Path.of(vm.seed()).getParent());
        return r.isEmpty() ? List.of() : of(vm, r.get().sshPort());
    }

    /** The clone's NICs as they are now; {@code sshPort}: its SSH forward on the user network. */
    List<RunningClone.Nic> of(VmConfig vm, int sshPort) {
        List<RunningClone.Nic> out = new ArrayList<>();
        for (int i = 0; i < vm.nics().size(); i++) {
            VmConfig.NicConfig n = vm.nics().get(i);
            if (n.onUserNetwork()) {
                out.add(new RunningClone.Nic(Network.USER, n.mac(), null, "127.0.0.1:" + sshPort));
                continue;
            }
            String address = AddressPlan.hostAddress(n.address());
            if (address == null) {
                Optional<Network> net = networks().find(n.network());
                address = net.flatMap(x -> dhcp.find(x, n.mac())).map(Object::toString).orElse(null);
            }
            out.add(new RunningClone.Nic(n.network(), n.mac(), TapDevices.name(vm.name(), i), address));
        }
        return out;
    }

    /** Host and port where ingot logs in to a running clone: the SSH forward when it has one, else its first NIC's address. */
    record Target(String host, int port) { }

    Target loginTarget(VmConfig vm, int sshPort) {
        if (vm.userNic().isPresent()) return new Target("127.0.0.1", sshPort);
        for (RunningClone.Nic n : of(vm, sshPort)) {
            if (n.address() != null) return new Target(n.address(), 22);
        }
        throw new UserError("clone '" + vm.name() + "' has no address yet: its NICs take theirs by DHCP and none has been seen"
                + " (see: ingot clones; give the network a dhcpLeases file in " + networks().file() + " to read them from the DHCP server)");
    }
}
