package io.ingot.vm;

import io.ingot.network.TapDevices;
import io.ingot.qemu.QmpClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Hot-plugs a memory clone's NICs into its QEMU process: one on QEMU's user network carries ingot's SSH forward
 * (127.0.0.1:port to the guest's 22), one on a bridge gets the tap QEMU makes for it, added to its bridge; each is
 * announced once the guest has its link up ({@link NicAnnouncer}). The template's NIC was unplugged before capture.
 */
final class NicPlugger {
    private final TapDevices taps;

    NicPlugger(TapDevices taps) {
        this.taps = taps;
    }

    /** Plugs {@code vm}'s NICs, the model its RAM template names (else each NIC's own), the bridged ones' taps on their bridges. */
    void plug(QmpClient qmp, VmConfig vm, int sshPort, List<CloneRunner.Bridged> bridged, StartPhases phases) {
        List<VmConfig.NicConfig> nics = vm.nics();
        String model = vm.ram().nicModel();
        for (int i = 0; i < nics.size(); i++) {
            VmConfig.NicConfig nic = nics.get(i);
            qmp.execute("netdev_add", nic.onUserNetwork()
                    ? Map.of("type", "user", "id", "net" + i, "hostfwd", List.of(Map.of("str", "tcp:127.0.0.1:" + sshPort + "-:22")))
                    : Map.of("type", "tap", "id", "net" + i, "ifname", TapDevices.name(vm.name(), i), "script", "no", "downscript", "no"));
            qmp.execute("device_add", Map.of("driver", model == null ? nic.model() : model,
                    "netdev", "net" + i, "id", nicId(i), "mac", nic.mac()));
        }
        attach(bridged);
        phases.mark("NICs plugged");
    }

    /** Has QEMU announce each of {@code vm}'s NICs once the guest has its link up. */
    void announce(QmpClient qmp, VmConfig vm, Duration within, StartPhases phases) {
        for (int i = 0; i < vm.nics().size(); i++) NicAnnouncer.start(qmp, nicId(i), within, phases);
    }

    /** Adds the taps QEMU made for the clone's bridged NICs to their bridges. */
    void attach(List<CloneRunner.Bridged> bridged) {
        for (CloneRunner.Bridged b : bridged) taps.attach(b.tap(), b.network(), b.nic().address());
    }

    /** The QEMU id of a memory clone's NIC {@code i}. */
    static String nicId(int i) { return "nic" + i; }
}
