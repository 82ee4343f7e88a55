package io.ingot.network;

import io.ingot.util.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a NIC that took its address by DHCP is: the DHCP server's lease file when the network names it (dnsmasq's
 * format: expiry, MAC, address, name, client id), else the bridge's neighbour table, which learns the address from the
 * guest's first packets (its ARP for the gateway, the DHCP server's answer).
 */
public final class DhcpAddresses {

    public Optional<Ipv4> find(Network network, String mac) {
        if (network.routed()) return Optional.empty(); // no DHCP there
        String m = mac.toLowerCase(Locale.ROOT);
        List<String> lines;
        try {
            lines = network.dhcpLeases() != null ? Files.readAllLines(network.dhcpLeases())
                    : Command.run(List.of("ip", "neigh", "show", "dev", network.bridge()), Duration.ofSeconds(5)).lines().toList();
        } catch (IOException e) {
            return Optional.empty();
        }
        return network.dhcpLeases() != null ? fromLeases(lines, m, network.subnet()) : fromNeighbours(lines, m, network.subnet());
    }

    static Optional<Ipv4> fromLeases(List<String> lines, String mac, Subnet subnet) {
        Optional<Ipv4> found = Optional.empty();
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            // the last lease of a MAC is its newest
            if (f.length < 3 || !f[1].equalsIgnoreCase(mac)) continue;
            Optional<Ipv4> a = address(f[2], subnet);
            if (a.isPresent()) found = a;
        }
        return found;
    }

    static Optional<Ipv4> fromNeighbours(List<String> lines, String mac, Subnet subnet) {
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            for (int i = 1; i + 1 < f.length; i++) {
                if (f[i].equals("lladdr") && f[i + 1].equalsIgnoreCase(mac) && !l.contains("FAILED")) {
                    Optional<Ipv4> a = address(f[0], subnet);
                    if (a.isPresent()) return a;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Ipv4> address(String text, Subnet subnet) {
        try {
            Ipv4 a = Ipv4.parse(text);
            return subnet.contains(a) ? Optional.of(a) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // an IPv6 neighbour
        }
    }
}
