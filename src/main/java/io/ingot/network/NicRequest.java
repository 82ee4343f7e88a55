package io.ingot.network;

import io.ingot.util.UserError;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One {@code --net NAME[,ip=ADDR|dhcp][,mac=MAC]} of {@code ingot clone}: the network a NIC joins, the address it asks
 * for ({@code null}: one from the network's pool, else DHCP; {@link #DHCP}: DHCP), and its MAC (null: a new one).
 */
public record NicRequest(String network, String ip, String mac) {
    public static final String DHCP = "dhcp";
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    public boolean isUser() { return Network.USER.equals(network); }

    public static NicRequest parse(String spec) {
        String option = "--net '" + spec + "'";
        String[] parts = spec.split(",", -1);
        String network = parts[0].trim();
        if (network.isEmpty()) throw new UserError(option + ": expected NAME[,ip=ADDR][,mac=MAC], e.g. --net lab,ip=10.77.0.10");
        String ip = null;
        String mac = null;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq);
            String value = eq < 0 ? "" : p.substring(eq + 1).trim();
            switch (key) {
                case "ip" -> {
                    if (ip != null) throw new UserError(option + ": ip= given twice");
                    if (value.equals(DHCP)) ip = DHCP;
                    else {
                        try {
                            ip = Ipv4.parse(value).toString();
                        } catch (IllegalArgumentException e) {
                            throw new UserError(option + ": ip " + e.getMessage() + " (or ip=dhcp)");
                        }
                    }
                }
                case "mac" -> {
                    if (mac != null) throw new UserError(option + ": mac= given twice");
                    mac = value.toLowerCase(Locale.ROOT).replace('-', ':');
                    if (!MAC.matcher(mac).matches()) throw new UserError(option + ": mac '" + value + "' is not a MAC address like 0a:49:4e:00:00:01");
                    if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
                        throw new UserError(option + ": mac " + mac + " is a multicast address (lowest bit of its first octet set)");
                    }
                    if (mac.equals("00:00:00:00:00:00")) throw new UserError(option + ": mac " + mac + " is not a NIC's address");
                }
                default -> throw new UserError(option + ": unknown setting '" + key + "' (known: ip, mac)");
            }
        }
        if (Network.USER.equals(network) && ip != null) {
            throw new UserError(option + ": QEMU's user network gives its own address (10.0.2.15 by DHCP); ip= is for networks of "
                    + "networks.yaml");
        }
        return new NicRequest(network, ip, mac);
    }
}
