package io.ingot.vm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentityRefreshTest {

    @Test
    void theNicOnTheUserNetworkGetsWhatQemusDhcpWouldGiveItAndOthersTheirPlan(@TempDir Path dir) throws Exception {
        Path iso = new SeedBuilder().write(dir, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "web1", List.of("ssh-ed25519 AAAAx k"));
        VmConfig vm = new VmConfig("web1", "t:1", "memory", "local", null, null, iso.toString(), null,
                List.of(new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:01"),
                        new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:02", "lab", "192.168.50.20/24"),
                        new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:03", "lan", "dhcp")),
                null, null, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        Map<String, String> env = IdentityRefresh.environment(vm);

        assertEquals("0a:49:4e:00:00:01", env.get("INGOT_NIC0_MAC"));
        assertEquals("user", env.get("INGOT_NIC0_NETWORK"));
        assertEquals("10.0.2.15/24", env.get("INGOT_NIC0_ADDRESS"), "no DHCP exchange to wait for on the user network");
        assertEquals("10.0.2.2", env.get("INGOT_NIC0_GATEWAY"));
        assertEquals("10.0.2.3", env.get("INGOT_NIC0_DNS"));

        assertEquals("192.168.50.20/24", env.get("INGOT_NIC1_ADDRESS"));
        assertFalse(env.containsKey("INGOT_NIC1_GATEWAY"), "a bridged NIC takes no default route from ingot");
        assertEquals("dhcp", env.get("INGOT_NIC2_ADDRESS"), "a NIC without a known address keeps DHCP");
        assertFalse(env.containsKey("INGOT_NIC2_DNS"));
        assertEquals("0f1e2d3c4b5a69788796a5b4c3d2e1f0", env.get("INGOT_MACHINE_ID"));
        assertEquals("web1", env.get("INGOT_HOSTNAME"));

        // a NIC on the user network just plugged in (not kept by a warm pool process): left to the guest's DHCP
        Map<String, String> plugged = IdentityRefresh.environment(vm, false);
        assertEquals("dhcp", plugged.get("INGOT_NIC0_ADDRESS"));
        assertFalse(plugged.containsKey("INGOT_NIC0_GATEWAY") || plugged.containsKey("INGOT_NIC0_DNS"));
        assertEquals("user", plugged.get("INGOT_NIC0_NETWORK"));
        assertEquals("192.168.50.20/24", plugged.get("INGOT_NIC1_ADDRESS"), "static addresses on bridges stay");
    }

    @Test
    void onlyTheClaimOfAReadyPoolProcessSaysItsNicIsKept(@TempDir Path dir) throws Exception {
        Path iso = new SeedBuilder().write(dir, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "web1", List.of("ssh-ed25519 AAAAx k"));
        VmConfig vm = new VmConfig("web1", "t:1", "memory", "local", null, null, iso.toString(), null,
                List.of(new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:01")), null, null,
                "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

        List<String> claim = IdentityRefresh.agentEnvironment(vm, "0a:49:4e:12:34:56", true);
        assertTrue(claim.contains("INGOT_NIC0_KEPT=1"), "the claim's onRestore leaves the NIC's set-up alone: " + claim);
        assertTrue(claim.contains("INGOT_NIC0_ADDRESS=10.0.2.15/24"));
        assertTrue(claim.contains("INGOT_NIC0_MAC=0a:49:4e:00:00:01"), "the file it writes matches the clone's MAC");

        // the warm-up writes the NIC's file before the NIC is there: networkd must have read it before the plug
        List<String> warmup = IdentityRefresh.agentEnvironment(vm, null, true);
        assertTrue(warmup.contains("INGOT_NIC0_ADDRESS=10.0.2.15/24"));
        assertFalse(warmup.stream().anyMatch(e -> e.startsWith("INGOT_NIC0_KEPT")), warmup.toString());
        List<String> fresh = IdentityRefresh.agentEnvironment(vm, null, false);
        assertTrue(fresh.contains("INGOT_NIC0_ADDRESS=dhcp"));
        assertFalse(fresh.stream().anyMatch(e -> e.startsWith("INGOT_NIC0_KEPT")), fresh.toString());
    }
}
