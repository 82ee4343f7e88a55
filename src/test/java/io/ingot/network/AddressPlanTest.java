package io.ingot.network;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressPlanTest {
    private static final NetworksFile NETWORKS = NetworksFile.parse(Path.of("networks.yaml"), """
            networks:
              lab: {bridge: br0, subnet: 10.77.0.0/24, gateway: 10.77.0.1, pool: 10.77.0.10-10.77.0.12}
              dhcp: {bridge: br1, subnet: 10.88.0.0/24}
              solo: {tap: routed, subnet: 10.99.0.0/24, gateway: 10.99.0.1}
            """);

    private static AddressPlan plan(String... macs) {
        Deque<String> next = new ArrayDeque<>(List.of(macs));
        return new AddressPlan(NETWORKS, next::pop);
    }

    private static List<NicRequest> nets(String... specs) { return List.of(specs).stream().map(NicRequest::parse).toList(); }

    @Test
    void withoutNetsACloneHasOneNicOnTheUserNetwork() {
        List<AddressPlan.Planned> p = plan("0a:49:4e:00:00:01").plan(List.of(), List.of());
        assertEquals(List.of(new AddressPlan.Planned(null, "0a:49:4e:00:00:01", null)), p);
    }

    @Test
    void poolAddressesGoInOrderSkippingTakenOnesAndDhcpWithoutAPool() {
        List<AddressPlan.Claim> taken = List.of(new AddressPlan.Claim("a", "lab", "10.77.0.10", "0a:49:4e:00:00:09"));
        List<AddressPlan.Planned> p = plan("0a:49:4e:00:00:01", "0a:49:4e:00:00:02", "0a:49:4e:00:00:03", "0a:49:4e:00:00:04")
                .plan(nets("lab", "lab", "dhcp", "user"), taken);
        assertEquals("10.77.0.11/24", p.get(0).address());
        assertEquals("10.77.0.12/24", p.get(1).address());
        assertTrue(p.get(2).isDhcp(), "a network without a pool gives DHCP");
        assertNull(p.get(3).network());
        assertNull(p.get(3).address());
    }

    @Test
    void aFullPoolIsRefusedNamingIt() {
        List<AddressPlan.Claim> taken = List.of(new AddressPlan.Claim("a", "lab", "10.77.0.10", null),
                new AddressPlan.Claim("b", "lab", "10.77.0.11", null), new AddressPlan.Claim("c", "lab", "10.77.0.12", null));
        String e = assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("lab"), taken)).getMessage();
        assertTrue(e.startsWith("--net lab: every address of network lab's pool 10.77.0.10-10.77.0.12 is taken"), e);
    }

    @Test
    void badAddressesAndMacsAreRefused() {
        List<AddressPlan.Claim> taken = List.of(new AddressPlan.Claim("web1", "lab", "10.77.0.50", "0a:49:4e:00:00:09"));
        assertEquals("--net lab: ip 10.78.0.5 is outside network lab's subnet 10.77.0.0/24",
                assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("lab,ip=10.78.0.5"), taken)).getMessage());
        assertEquals("--net lab: ip 10.77.0.255 is outside network lab's subnet 10.77.0.0/24 hosts (it is the subnet's own or broadcast address)",
                assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("lab,ip=10.77.0.255"), taken)).getMessage());
        assertEquals("--net lab: ip 10.77.0.1 is network lab's gateway",
                assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("lab,ip=10.77.0.1"), taken)).getMessage());
        assertEquals("--net lab: ip 10.77.0.50 on network lab is already taken by clone 'web1'",
                assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("lab,ip=10.77.0.50"), taken)).getMessage());
        assertEquals("--net lab: ip 10.77.0.60 on network lab is already taken by another NIC of this clone",
                assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01", "0a:49:4e:00:00:02")
                        .plan(nets("lab,ip=10.77.0.60", "lab,ip=10.77.0.60"), taken)).getMessage());
        assertEquals("--net lab: mac 0a:49:4e:00:00:09 is already used by clone 'web1'",
                assertThrows(UserError.class, () -> plan().plan(nets("lab,mac=0A:49:4E:00:00:09"), taken)).getMessage());
        assertEquals("--net dhcp: mac 0a:49:4e:00:00:07 is given to two NICs",
                assertThrows(UserError.class, () -> plan().plan(nets("lab,mac=0a:49:4e:00:00:07", "dhcp,mac=0a:49:4e:00:00:07"), taken)).getMessage());
        assertTrue(assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("nope"), taken)).getMessage()
                .startsWith("--net nope: unknown network 'nope' (known: user, dhcp, lab, solo"));
        assertTrue(assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01", "0a:49:4e:00:00:02").plan(nets("user", "user"), taken))
                .getMessage().startsWith("--net user is given twice"));
    }

    @Test
    void aRoutedTapHasNoDhcp() {
        assertEquals("10.99.0.5/24", plan("0a:49:4e:00:00:01").plan(nets("solo,ip=10.99.0.5"), List.of()).get(0).address());
        assertEquals("--net solo: network solo is a routed tap with no DHCP and no pool; give ip=ADDR",
                assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("solo"), List.of())).getMessage());
        assertEquals("--net solo: network solo is a routed tap with no DHCP; give ip=ADDR",
                assertThrows(UserError.class, () -> plan("0a:49:4e:00:00:01").plan(nets("solo,ip=dhcp"), List.of())).getMessage());
    }

    @Test
    void aNewMacNeverRepeatsOneInUse() {
        List<AddressPlan.Claim> taken = List.of(new AddressPlan.Claim("web1", null, null, "0a:49:4e:00:00:01"));
        assertEquals("0a:49:4e:00:00:02", plan("0a:49:4e:00:00:01", "0a:49:4e:00:00:02").plan(List.of(), taken).get(0).mac());
    }

    @Test
    void netSpecsAreParsedStrictly() {
        assertEquals(new NicRequest("lab", "10.77.0.5", "0a:49:4e:00:00:01"), NicRequest.parse("lab,ip=10.77.0.5,mac=0A-49-4E-00-00-01"));
        assertEquals(new NicRequest("lab", "dhcp", null), NicRequest.parse("lab,ip=dhcp"));
        for (String[] bad : new String[][]{
                {"lab,ip=10.77.0", "--net 'lab,ip=10.77.0': ip '10.77.0' is not an IPv4 address (like 10.77.0.10) (or ip=dhcp)"},
                {"lab,mac=01:00:5e:00:00:01", "--net 'lab,mac=01:00:5e:00:00:01': mac 01:00:5e:00:00:01 is a multicast address (lowest bit of its first octet set)"},
                {"lab,mac=zz", "--net 'lab,mac=zz': mac 'zz' is not a MAC address like 0a:49:4e:00:00:01"},
                {"lab,vlan=3", "--net 'lab,vlan=3': unknown setting 'vlan' (known: ip, mac)"},
                {",ip=10.0.0.1", "--net ',ip=10.0.0.1': expected NAME[,ip=ADDR][,mac=MAC], e.g. --net lab,ip=10.77.0.10"}}) {
            assertEquals(bad[1], assertThrows(UserError.class, () -> NicRequest.parse(bad[0])).getMessage());
        }
        assertTrue(assertThrows(UserError.class, () -> NicRequest.parse("user,ip=10.0.2.20")).getMessage().contains("user network gives its own address"));
    }
}
