package io.ingot.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingot.network.TapDevices;
import io.ingot.qemu.Qmp;
import io.ingot.template.KeptNic;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What QEMU is told for a memory clone's NICs when its template kept the capture VM's NIC. */
class NicPluggerTest {
    private static final String KEPT_MAC = "0a:49:4e:aa:bb:cc";

    /** QMP that records the commands it is sent. */
    private static final class Sent implements Qmp {
        final List<String> lines = new ArrayList<>();

        @Override public JsonNode execute(String command) { return execute(command, Map.of()); }
        @Override public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) { return execute(command, arguments); }
        @Override public JsonNode execute(String command, Map<String, ?> args) {
            lines.add(command + " " + new java.util.TreeMap<>(args));
            return new ObjectMapper().createObjectNode();
        }
        @Override public Optional<JsonNode> awaitEvent(String name, Duration timeout) { return Optional.empty(); }
        @Override public void stop() { }
        @Override public void cont() { }
        @Override public void systemPowerdown() { }
        @Override public void sendKey(List<String> qcodes, int holdMs) { }
    }

    private static VmConfig clone(List<VmConfig.NicConfig> nics) {
        VmConfig.Ram ram = new VmConfig.Ram("/t/memory", "/t/state", null, "virtio-net-pci", List.of("true"), null,
                new KeptNic("0x10", KEPT_MAC));
        return new VmConfig("c1", "t:1", "memory", "local", java.time.Instant.EPOCH, null, null,
                new VmConfig.Machine("pc", "max", 2, 1024, List.of()), nics, null, null, null, ram);
    }

    @Test
    void theKeptNicIsTheClonesFirstWhereTheStateHasItWithTheSshForward() {
        Sent qmp = new Sent();
        VmConfig vm = clone(List.of(new VmConfig.NicConfig("virtio-net-pci", KEPT_MAC)));
        assertEquals(KEPT_MAC, NicPlugger.keep(qmp, vm, 2222));
        assertEquals(List.of(
                "netdev_add {hostfwd=[{str=tcp:127.0.0.1:2222-:22}], id=net0, type=user}",
                "device_add {addr=0x10, driver=virtio-net-pci, id=nic0, mac=" + KEPT_MAC + ", netdev=net0}"), qmp.lines);
    }

    @Test
    void onlyTheClonesOtherNicsArePluggedIn() {
        Sent qmp = new Sent();
        VmConfig vm = clone(List.of(new VmConfig.NicConfig("virtio-net-pci", KEPT_MAC),
                new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:02", "lab", "10.77.0.5/24")));
        new NicPlugger(new TapDevices()).plug(qmp, vm, 1, 2222, List.of(), StartPhases.none());
        assertEquals(List.of(
                "netdev_add {downscript=no, id=net1, ifname=" + TapDevices.name("c1", 1) + ", script=no, type=tap}",
                "device_add {driver=virtio-net-pci, id=nic1, mac=0a:49:4e:00:00:02, netdev=net1}"), qmp.lines);
        Sent none = new Sent();
        new NicPlugger(new TapDevices()).plug(none, clone(List.of(new VmConfig.NicConfig("virtio-net-pci", KEPT_MAC))), 1, 2222,
                List.of(), StartPhases.none());
        assertEquals(List.of(), none.lines, "a clone with only the kept NIC plugs nothing in");
    }

    @Test
    void aCloneWithoutAFirstNicOnTheUserNetworkCannotTakeTheKeptNic() {
        Sent qmp = new Sent();
        VmConfig bridged = clone(List.of(new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:03", "lab", null)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NicPlugger.keep(qmp, bridged, 2222));
        assertEquals("memory clone c1 has no first NIC on the user network for the NIC its RAM template kept", e.getMessage());
        assertThrows(IllegalStateException.class, () -> NicPlugger.keep(qmp, clone(List.of()), 2222));
        assertEquals(List.of(), qmp.lines, "nothing was plugged in");
    }

    @Test
    void aTemplateThatKeptNoNicHasNothingPutBack() {
        Sent qmp = new Sent();
        VmConfig plugged = new VmConfig("c1", "t:1", "memory", "local", java.time.Instant.EPOCH, null, null,
                new VmConfig.Machine("pc", "max", 2, 1024, List.of()), List.of(new VmConfig.NicConfig("virtio-net-pci", KEPT_MAC)),
                null, null, null, new VmConfig.Ram("/t/memory", "/t/state", null, "virtio-net-pci", List.of("true"), null));
        assertNull(NicPlugger.keep(qmp, plugged, 2222));
        assertEquals(List.of(), qmp.lines);
    }
}
