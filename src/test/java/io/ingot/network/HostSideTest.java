package io.ingot.network;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Taps and DHCP addresses, on files shaped like /proc/self/status, /sys/class/net, dnsmasq's leases and ip neigh. */
class HostSideTest {
    private static final Network LAB = new Network("lab", "br-lab", Subnet.parse("10.77.0.0/24"), null, List.of(), null, null);

    @Test
    void tapNamesFitLinuxInterfaceNamesAndStayTheSame() {
        String n = TapDevices.name("a-clone-with-a-rather-long-name", 7);
        assertTrue(n.length() <= 15, n);
        assertEquals(n, TapDevices.name("a-clone-with-a-rather-long-name", 7));
        assertTrue(!n.equals(TapDevices.name("a-clone-with-a-rather-long-name", 6)));
    }

    @Test
    void withoutNetAdminNothingIsMadeAndTheCapabilityIsNamed(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.createDirectories(dir.resolve("net/br-lab/bridge"));
        Files.writeString(status, "Name:\tjava\nCapEff:\t0000000000000000\n");
        TapDevices taps = new TapDevices(dir.resolve("net"), status);
        String e = assertThrows(UserError.class, () -> taps.check("web1", LAB)).getMessage();
        assertTrue(e.contains("needs the capability CAP_NET_ADMIN"), e);
        Files.writeString(status, "Name:\tjava\nCapEff:\t000001ffffffffff\n");
        taps.check("web1", LAB);
        Files.writeString(status, "CapEff:\t0000000000001000\n");
        taps.check("web1", LAB);
    }

    @Test
    void aMissingBridgeOrANonBridgeIsNamed(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "CapEff:\t000001ffffffffff\n");
        TapDevices taps = new TapDevices(dir.resolve("net"), status);
        assertTrue(assertThrows(UserError.class, () -> taps.check("web1", LAB)).getMessage().contains("bridge br-lab does not exist"));
        Files.createDirectories(dir.resolve("net/br-lab"));
        assertTrue(assertThrows(UserError.class, () -> taps.check("web1", LAB)).getMessage().contains("br-lab is not a Linux bridge"));
    }

    @Test
    void dhcpAddressesFromLeasesAndNeighbours() {
        assertEquals(Optional.of(Ipv4.parse("10.77.0.120")), DhcpAddresses.fromLeases(List.of(
                "1796460929 0a:49:4e:50:23:7e 10.77.0.111 web1 *",
                "1796460999 0a:49:4e:50:23:7e 10.77.0.120 web1 *",
                "1796460999 0a:49:4e:00:00:01 10.77.0.130 other *"), "0a:49:4e:50:23:7e", LAB.subnet()));
        assertEquals(Optional.of(Ipv4.parse("10.77.0.111")), DhcpAddresses.fromNeighbours(List.of(
                "fe80::849:4eff:fe50:237e lladdr 0a:49:4e:50:23:7e STALE",
                "10.99.0.5 lladdr 0a:49:4e:50:23:7e STALE",
                "10.77.0.111 lladdr 0a:49:4e:50:23:7e REACHABLE"), "0a:49:4e:50:23:7e", LAB.subnet()));
        assertEquals(Optional.empty(), DhcpAddresses.fromNeighbours(List.of("10.77.0.111 FAILED"), "0a:49:4e:50:23:7e", LAB.subnet()));
    }
}
