package io.ingot.vm;

import io.ingot.util.UserError;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/** Random MAC addresses under a prefix that must be locally administered unicast (first octet: bit 0x02 set, 0x01 clear). */
public final class MacAddresses {
    private final byte[] prefix;
    private final SecureRandom random = new SecureRandom();

    public MacAddresses(String prefix) {
        String[] parts = prefix.trim().toLowerCase(Locale.ROOT).split(":");
        if (parts.length < 1 || parts.length > 5) throw new UserError("bad MAC prefix '" + prefix + "': use 1 to 5 octets like 0a:49:4e");
        this.prefix = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].matches("[0-9a-f]{2}")) throw new UserError("bad MAC prefix '" + prefix + "': '" + parts[i] + "' is not a hex octet");
            this.prefix[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        if ((this.prefix[0] & 0x01) != 0) throw new UserError("MAC prefix '" + prefix + "' is multicast (lowest bit of the first octet set)");
        if ((this.prefix[0] & 0x02) == 0) throw new UserError("MAC prefix '" + prefix + "' is not locally administered (set bit 0x02 of the first octet, e.g. 0a:49:4e)");
    }

    public String next() {
        byte[] mac = new byte[6];
        random.nextBytes(mac);
        System.arraycopy(prefix, 0, mac, 0, prefix.length);
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }
}
