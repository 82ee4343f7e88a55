package io.ingot.vm;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MacAddressesTest {
    @Test
    void randomLocallyAdministeredUnicast() {
        MacAddresses macs = new MacAddresses("0a:49:4e");
        String a = macs.next();
        assertTrue(a.matches("0a:49:4e(:[0-9a-f]{2}){3}"), a);
        assertNotEquals(a, macs.next());
    }

    @Test
    void refusesGlobalOrMulticastPrefixes() {
        // 00:16:3e is a vendor (global) OUI
        assertEquals("MAC prefix '00:16:3e' is not locally administered (set bit 0x02 of the first octet, e.g. 0a:49:4e)",
                assertThrows(UserError.class, () -> new MacAddresses("00:16:3e")).getMessage());
        assertTrue(new MacAddresses("52:54:00").next().startsWith("52:54:00:"));
        assertThrows(UserError.class, () -> new MacAddresses("03:00:00"));
        assertThrows(UserError.class, () -> new MacAddresses("zz"));
    }
}
