package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What ingot reads from the guest agent's guest-network-get-interfaces answer (as qemu-ga 7.2 gives it). */
class GuestAgentInterfacesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode answer(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static final String TWO = """
            [{"name":"lo","hardware-address":"00:00:00:00:00:00","ip-addresses":[
               {"ip-address-type":"ipv4","ip-address":"127.0.0.1","prefix":8},
               {"ip-address-type":"ipv6","ip-address":"::1","prefix":128}]},
             {"name":"enp0s16","hardware-address":"52:54:00:ab:cd:ef","ip-addresses":[
               {"ip-address-type":"ipv4","ip-address":"10.0.2.15","prefix":24}]},
             {"name":"eth1","hardware-address":"52:54:00:00:00:02"}]""";

    @Test
    void addressesLeaveOutLoopbackAndIpv6() throws Exception {
        assertEquals(List.of("10.0.2.15"), GuestAgent.ipv4Addresses(answer(TWO)));
    }

    @Test
    void theSummaryNamesEachInterfaceWithItsMacAndAddressesOrTheirAbsence() throws Exception {
        assertEquals("lo 00:00:00:00:00:00 127.0.0.1/8 ::1/128, enp0s16 52:54:00:ab:cd:ef 10.0.2.15/24, eth1 52:54:00:00:00:02 no address",
                GuestAgent.interfaces(answer(TWO)));
    }

    @Test
    void aGuestWithoutInterfacesSaysSo() throws Exception {
        assertEquals("none", GuestAgent.interfaces(answer("[]")));
        assertEquals(List.of(), GuestAgent.ipv4Addresses(answer("[]")));
    }
}
