package io.ingot.network;

import io.ingot.util.UserError;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Gives a new clone's NICs their MACs and addresses: asked ones are checked (inside the subnet, not its gateway,
 * not taken by another clone or NIC), the others come from the network's pool in order, or from DHCP when the network
 * has no pool. What other clones hold ({@link Claim}s, from the catalog) is never given twice.
 */
public final class AddressPlan {
    /** Beyond this a clone's PCI slots and its seed's network-config stop being a sensible size. */
    static final int MAX_NICS = 8;

    /** A NIC another clone has: its network (null: QEMU's user network), address without prefix (null: none fixed), MAC. */
    public record Claim(String owner, String network, String address, String mac) { }

    /** A new NIC: network (null: user), MAC, and address in CIDR form, {@code dhcp}, or null (user network). */
    public record Planned(String network, String mac, String address) {
        public boolean isDhcp() { return NicRequest.DHCP.equals(address); }
    }

    private final NetworksFile networks;
    private final Supplier<String> newMac;

    public AddressPlan(NetworksFile networks, Supplier<String> newMac) {
        this.networks = networks;
        this.newMac = newMac;
    }

    /** The NICs for {@code requests} (none: one on the user network, as ingot's clones always had). */
    public List<Planned> plan(List<NicRequest> requests, List<Claim> taken) {
        if (requests.isEmpty()) requests = List.of(new NicRequest(Network.USER, null, null));
        if (requests.size() > MAX_NICS) throw new UserError("--net given " + requests.size() + " times: a clone has at most " + MAX_NICS + " NICs");
        Map<String, String> macOwner = new HashMap<>();
        Map<String, String> addressOwner = new HashMap<>();
        for (Claim c : taken) {
            if (c.mac() != null) macOwner.put(c.mac(), c.owner());
            if (c.network() != null && c.address() != null) addressOwner.put(c.network() + " " + c.address(), c.owner());
        }
        Set<String> macs = new HashSet<>();
        List<Planned> out = new ArrayList<>();
        boolean user = false;
        for (NicRequest r : requests) {
            String option = "--net " + r.network();
            if (r.mac() != null) {
                if (macOwner.containsKey(r.mac())) throw new UserError(option + ": mac " + r.mac() + " is already used by clone '" + macOwner.get(r.mac()) + "'");
                if (!macs.add(r.mac())) throw new UserError(option + ": mac " + r.mac() + " is given to two NICs");
            }
            String mac = r.mac() != null ? r.mac() : freshMac(macOwner.keySet(), macs);
            if (r.isUser()) {
                if (user) throw new UserError("--net user is given twice: a clone has one NIC on QEMU's user network (with ingot's SSH forward)");
                user = true;
                out.add(new Planned(null, mac, null));
                continue;
            }
            Network n = networks.get(r.network(), option);
            out.add(new Planned(n.name(), mac, address(n, r, option, addressOwner)));
        }
        return out;
    }

    private String address(Network n, NicRequest r, String option, Map<String, String> owner) {
        if (n.routed() && NicRequest.DHCP.equals(r.ip())) {
            throw new UserError(option + ": network " + n.name() + " is a routed tap with no DHCP; give ip=ADDR" + (n.pool() != null ? " or none (its pool)" : ""));
        }
        if (NicRequest.DHCP.equals(r.ip())) return NicRequest.DHCP;
        if (r.ip() != null) {
            Ipv4 a = Ipv4.parse(r.ip());
            if (!n.subnet().isHost(a)) throw new UserError(option + ": ip " + a + " is outside network " + n.name() + "'s subnet " + n.subnet()
                    + (n.subnet().contains(a) ? " hosts (it is the subnet's own or broadcast address)" : ""));
            if (a.equals(n.gateway())) throw new UserError(option + ": ip " + a + " is network " + n.name() + "'s gateway");
            String by = owner.putIfAbsent(n.name() + " " + a, "this clone");
            if (by != null) throw new UserError(option + ": ip " + a + " on network " + n.name() + " is already taken by "
                    + (by.equals("this clone") ? "another NIC of this clone" : "clone '" + by + "'"));
            return n.subnet().cidr(a);
        }
        if (n.pool() == null && n.routed()) {
            throw new UserError(option + ": network " + n.name() + " is a routed tap with no DHCP and no pool; give ip=ADDR");
        }
        if (n.pool() == null) return NicRequest.DHCP;
        for (Ipv4 a = n.pool().first(); n.pool().contains(a); a = a.plus(1)) {
            if (owner.putIfAbsent(n.name() + " " + a, "this clone") == null) return n.subnet().cidr(a);
            if (a.equals(n.pool().last())) break;
        }
        throw new UserError(option + ": every address of network " + n.name() + "'s pool " + n.pool()
                + " is taken (remove clones, widen the pool in " + networks.file() + ", or give ip=dhcp)");
    }

    private String freshMac(Set<String> taken, Set<String> mine) {
        for (int i = 0; i < 100; i++) {
            String m = newMac.get();
            if (!taken.contains(m) && mine.add(m)) return m;
        }
        throw new IllegalStateException("no fresh MAC address after 100 tries");
    }

    /** The address of a planned NIC without its prefix, as claims hold it; null for DHCP and the user network. */
    public static String hostAddress(String cidr) {
        if (cidr == null || NicRequest.DHCP.equals(cidr)) return null;
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }
}
