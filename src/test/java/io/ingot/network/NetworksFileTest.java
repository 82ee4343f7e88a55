package io.ingot.network;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworksFileTest {
    private static final Path FILE = Path.of("images/networks.yaml");

    private static NetworksFile parse(String text) { return NetworksFile.parse(FILE, text); }

    private static String error(String text) { return assertThrows(UserError.class, () -> parse(text)).getMessage(); }

    @Test
    void readsANetworkWithPoolDnsAndLeases() {
        NetworksFile f = parse("""
                networks:
                  lab:
                    bridge: br-lab
                    subnet: 10.77.0.0/24
                    gateway: 10.77.0.1
                    dns: [10.77.0.1, 10.77.0.2]
                    pool: 10.77.0.10-10.77.0.99
                    dhcpLeases: /var/lib/misc/dnsmasq.leases
                  plain:
                    bridge: br0
                    subnet: 192.168.5.0/24
                """);
        Network lab = f.get("lab", "--net lab");
        assertEquals("br-lab", lab.bridge());
        assertEquals("10.77.0.0/24", lab.subnet().toString());
        assertEquals("10.77.0.1", lab.gateway().toString());
        assertEquals(2, lab.dns().size());
        assertEquals("10.77.0.10-10.77.0.99", lab.pool().toString());
        assertEquals(Path.of("/var/lib/misc/dnsmasq.leases"), lab.dhcpLeases());
        Network plain = f.get("plain", "--net plain");
        assertNull(plain.pool(), "without a pool its clones take DHCP");
        assertNull(plain.gateway());
    }

    @Test
    void errorsNameTheFileTheLineAndTheField() {
        assertEquals(FILE + ":4: networks.lab.subnet: '10.77.0/24' is not a subnet in CIDR form (like 10.77.0.0/24)", error("""
                networks:
                  lab:
                    bridge: br0
                    subnet: 10.77.0/24
                """));
        assertEquals(FILE + ":5: networks.lab.gateway 10.78.0.1 is not a host address of 10.77.0.0/24", error("""
                networks:
                  lab:
                    bridge: br0
                    subnet: 10.77.0.0/24
                    gateway: 10.78.0.1
                """));
        assertTrue(error("""
                networks:
                  lab:
                    bridge: br0
                    subnet: 10.77.0.0/24
                    pool: 10.77.0.10-10.77.1.5
                """).startsWith(FILE + ":5: networks.lab.pool 10.77.0.10-10.77.1.5 is not inside 10.77.0.0/24"));
        assertEquals(FILE + ":2: networks.lab.subnet is missing", error("""
                networks:
                  lab:
                    bridge: br0
                """));
        assertTrue(error("""
                networks:
                  lab:
                    bridge: br0
                    subnet: 10.77.0.0/24
                    vlan: 5
                """).startsWith(FILE + ":5: networks.lab: unknown field 'vlan'"));
        assertTrue(error("""
                networks:
                  lab:
                    bridge: a-bridge-name-far-too-long
                    subnet: 10.77.0.0/24
                """).startsWith(FILE + ":3: networks.lab.bridge 'a-bridge-name-far-too-long'"));
        assertTrue(error("""
                networks:
                  user:
                    bridge: br0
                    subnet: 10.77.0.0/24
                """).contains("'user' is QEMU's own network"));
        assertTrue(error("networks:\n  lab: {bridge: br0, subnet: 10.0.0.0/8}\n  lab: {bridge: br1, subnet: 10.0.0.0/8}\n")
                .equals(FILE + ":3: networks.lab is defined twice"), "duplicate names are refused");
        assertEquals(FILE + ":4: networks.lab.bridge is given twice", error("networks:\n  lab:\n    bridge: br0\n    bridge: br1\n"));
        assertEquals(FILE + ":4: networks.lab.subnet: 10.77.0.1/24 has host bits set (the subnet is 10.77.0.0/24)", error("""
                networks:
                  lab:
                    bridge: br0
                    subnet: 10.77.0.1/24
                """));
    }

    @Test
    void aRoutedTapNeedsAGatewayAndHasNoBridgeOrDhcp() {
        Network solo = parse("networks:\n  solo: {tap: routed, subnet: 10.88.0.0/24, gateway: 10.88.0.1}\n").get("solo", "--net solo");
        assertTrue(solo.routed());
        assertNull(solo.bridge());
        assertEquals(FILE + ":2: networks.solo.gateway is missing: a routed tap's host end has that address",
                error("networks:\n  solo: {tap: routed, subnet: 10.88.0.0/24}\n"));
        assertTrue(error("networks:\n  solo: {tap: routed, bridge: br0, subnet: 10.88.0.0/24}\n")
                .startsWith(FILE + ":2: networks.solo: give either bridge: NAME"));
        assertEquals(FILE + ":2: networks.solo.tap 'bridged': the one kind is 'routed'",
                error("networks:\n  solo: {tap: bridged, subnet: 10.88.0.0/24, gateway: 10.88.0.1}\n"));
    }

    @Test
    void anUnknownNetworkListsTheKnownOnes() {
        NetworksFile f = parse("networks:\n  lab: {bridge: br0, subnet: 10.77.0.0/24}\n");
        assertEquals("--net nope: unknown network 'nope' (known: user, lab; see " + FILE + ")",
                assertThrows(UserError.class, () -> f.get("nope", "--net nope")).getMessage());
        assertTrue(assertThrows(UserError.class, () -> NetworksFile.none().get("lab", "--net lab")).getMessage()
                .contains("no networks are defined"));
    }
}
