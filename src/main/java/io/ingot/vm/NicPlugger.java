package io.ingot.vm;

import io.ingot.network.TapDevices;
import io.ingot.qemu.Qmp;
import io.ingot.template.KeptNic;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Hot-plugs a memory clone's NICs into its QEMU process: one on QEMU's user network carries ingot's SSH forward
 * (127.0.0.1:port to the guest's 22), one on a bridge gets the tap QEMU makes for it, added to its bridge; each is
 * announced once the guest has its link up ({@link NicAnnouncer}). A template whose NIC was kept at the capture
 * ({@link KeptNic}) has that NIC put back as the clone's first instead.
 */
final class NicPlugger {
    private final TapDevices taps;

    NicPlugger(TapDevices taps) {
        this.taps = taps;
    }

    /** Plugs {@code vm}'s NICs, the model its RAM template names (else each NIC's own), the bridged ones' taps on their bridges. */
    void plug(Qmp qmp, VmConfig vm, int sshPort, List<CloneRunner.Bridged> bridged, StartPhases phases) {
        plug(qmp, vm, 0, sshPort, bridged, phases);
    }

    /** As above, from NIC {@code from} on (the first is the template's kept NIC, see {@link #keep}). */
    void plug(Qmp qmp, VmConfig vm, int from, int sshPort, List<CloneRunner.Bridged> bridged, StartPhases phases) {
        List<VmConfig.NicConfig> nics = vm.nics();
        for (int i = from; i < nics.size(); i++) {
            VmConfig.NicConfig nic = nics.get(i);
            qmp.execute("netdev_add", nic.onUserNetwork()
                    ? userNetdev("net" + i, sshPort)
                    : Map.of("type", "tap", "id", "net" + i, "ifname", TapDevices.name(vm.name(), i), "script", "no", "downscript", "no"));
            qmp.execute("device_add", Map.of("driver", model(vm, nic), "netdev", "net" + i, "id", nicId(i), "mac", nic.mac()));
        }
        attach(bridged);
        if (from < nics.size()) phases.mark("NICs plugged");
    }

    /**
     * Puts the template's kept NIC where its device state has it, before the state loads (the device and its user
     * network's state are in the stream), as the clone's first NIC, with the SSH forward, and returns its MAC; null (and
     * nothing done) where the template kept none. A memory clone's first NIC is on the user network, with the template's
     * MAC (CloneService makes it so).
     */
    static String keep(Qmp qmp, VmConfig vm, int sshPort) {
        KeptNic kept = vm.ram().keptNic();
        if (kept == null) return null;
        if (vm.nics() == null || vm.nics().isEmpty() || !vm.nics().get(0).onUserNetwork()) {
            throw new IllegalStateException("memory clone " + vm.name() + " has no first NIC on the user network for the NIC its"
                    + " RAM template kept");
        }
        qmp.execute("netdev_add", userNetdev("net0", sshPort));
        qmp.execute("device_add", Map.of("driver", model(vm, vm.nics().get(0)), "netdev", "net0", "id", nicId(0),
                "addr", kept.slot(), "mac", kept.mac()));
        return kept.mac();
    }

    /** A NIC's device: the model the RAM template names, else the NIC's own. */
    private static String model(VmConfig vm, VmConfig.NicConfig nic) {
        return vm.ram().nicModel() == null ? nic.model() : vm.ram().nicModel();
    }

    private static Map<String, Object> userNetdev(String id, int sshPort) {
        return Map.of("type", "user", "id", id, "hostfwd", List.of(Map.of("str", "tcp:127.0.0.1:" + sshPort + "-:22")));
    }

    /** Has QEMU announce each of {@code vm}'s NICs once the guest has its link up. */
    void announce(Qmp qmp, VmConfig vm, Duration within, StartPhases phases) {
        announce(qmp, vm, 0, within, phases);
    }

    /** As above, from NIC {@code from} on. */
    void announce(Qmp qmp, VmConfig vm, int from, Duration within, StartPhases phases) {
        for (int i = from; i < vm.nics().size(); i++) NicAnnouncer.start(qmp, nicId(i), within, phases);
    }

    /** Adds the taps QEMU made for the clone's bridged NICs to their bridges. */
    void attach(List<CloneRunner.Bridged> bridged) {
        for (CloneRunner.Bridged b : bridged) taps.attach(b.tap(), b.network(), b.nic().address());
    }

    /** The QEMU id of a memory clone's NIC {@code i}. */
    static String nicId(int i) { return "nic" + i; }
}
