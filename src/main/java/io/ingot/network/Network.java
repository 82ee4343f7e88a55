package io.ingot.network;

import java.nio.file.Path;
import java.util.List;

/**
 * A named network of {@code images/networks.yaml}: a Linux bridge on this host that clones' NICs join through a tap
 * each ({@code bridge}), or, with {@code bridge} null, a tap per clone NIC and nothing else: the host end of each tap
 * has the gateway's address and a route to the clone's address (routed, like libvirt's routed networks); its subnet,
 * gateway and DNS servers; {@code pool}: the addresses ingot hands out (null: clones without an
 * address of their own take one by DHCP); {@code dhcpLeases}: the DHCP server's lease file, where ingot reads the
 * addresses of DHCP clones (null: from the bridge's neighbour table).
 */
public record Network(String name, String bridge, Subnet subnet, Ipv4 gateway, List<Ipv4> dns, Pool pool, Path dhcpLeases) {
    /** The network QEMU makes itself (user mode, no rights needed): the default, with ingot's SSH forward. */
    public static final String USER = "user";
    /**
     * What QEMU's DHCP server on the user network gives its guest (ingot keeps QEMU's default net 10.0.2.0/24): a
     * memory clone takes these from onRestore at once instead of waiting for a DHCP exchange.
     */
    public static final String USER_GUEST_ADDRESS = "10.0.2.15/24";
    public static final String USER_GATEWAY = "10.0.2.2";
    public static final String USER_DNS = "10.0.2.3";

    public Network {
        dns = dns == null ? List.of() : List.copyOf(dns);
    }

    /** A tap per clone NIC, routed by the host, no bridge (and no DHCP: every NIC has a static address). */
    public boolean routed() { return bridge == null; }

    /** The addresses from {@code first} to {@code last}, both included. */
    public record Pool(Ipv4 first, Ipv4 last) {
        public boolean contains(Ipv4 a) { return a.compareTo(first) >= 0 && a.compareTo(last) <= 0; }

        @Override
        public String toString() { return first + "-" + last; }
    }
}
