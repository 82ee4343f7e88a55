package io.ingot.server.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The names a request's {@code Host} header may carry: the daemon's own names and addresses (localhost,
 * 127.0.0.1, [::1], the bind address, the host's names, and every interface address when bound to all of
 * them) plus names the admin adds. A browser page whose DNS name was rebound to this machine sends its own
 * name as Host, so it is refused before it can read anything.
 */
public final class HostAllowList {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern IPV6_LITERAL = Pattern.compile("\\[[0-9A-Fa-f:.]+]");
    private final Set<String> names;

    public HostAllowList(Collection<String> names) {
        Set<String> s = new TreeSet<>();
        for (String n : names) s.add(normalize(n));
        this.names = Collections.unmodifiableSet(s);
    }

    /** The names of this machine for a daemon bound to {@code bind}, plus {@code extra} (daemon.yaml's hostNames). */
    public static HostAllowList forDaemon(InetAddress bind, Collection<String> extra) {
        Set<String> n = new TreeSet<>(Set.of("localhost", "127.0.0.1", "[::1]"));
        n.add(literal(bind));
        try {
            InetAddress self = InetAddress.getLocalHost();
            n.add(self.getHostName());
            n.add(self.getCanonicalHostName());
        } catch (UnknownHostException e) {
            // a host without a resolvable name: its addresses and the extra names still work
        }
        if (bind.isAnyLocalAddress()) {
            try {
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(ni.getInetAddresses())) n.add(literal(a));
                }
            } catch (SocketException e) {
                // no interface list: loopback names only
            }
        }
        n.addAll(extra);
        return new HostAllowList(n);
    }

    public Set<String> names() { return names; }

    /** Whether a {@code Host} header value (name or address, with or without {@code :port}) is one of ours. */
    public boolean allows(String hostHeader) {
        String host = hostOf(hostHeader);
        return host != null && names.contains(host);
    }

    /**
     * The host part of a Host header, lowercase, without port or trailing dot; IPv6 in brackets. Null if malformed:
     * anything but a DNS name or an IPv4 address (letters, digits, '.', '-', '_') or a bracketed IPv6 address, with
     * an optional port.
     */
    static String hostOf(String header) {
        if (header == null) return null;
        String h = header.strip();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) return null;
            String rest = h.substring(close + 1);
            if (!rest.isEmpty() && !rest.matches(":\\d{1,5}")) return null;
            if (!IPV6_LITERAL.matcher(h.substring(0, close + 1)).matches()) return null;
            return normalize(h.substring(0, close + 1));
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (!h.substring(colon).matches(":\\d{1,5}")) return null;
            h = h.substring(0, colon);
        }
        return NAME.matcher(h).matches() ? normalize(h) : null;
    }

    private static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        // an IPv6 literal given without brackets (daemon.yaml, the bind address)
        if (n.indexOf(':') >= 0 && !n.startsWith("[")) n = "[" + n + "]";
        return n;
    }

    static String literal(InetAddress a) {
        String s = a.getHostAddress();
        if (a instanceof Inet6Address) {
            int zone = s.indexOf('%');
            if (zone >= 0) s = s.substring(0, zone);
            try {
                // the compressed form browsers send ([::1], not [0:0:0:0:0:0:0:1])
                s = compress(s);
            } catch (IllegalArgumentException ignored) {
                // keep the long form
            }
            return "[" + s + "]";
        }
        return s;
    }

    /** RFC 5952 form of an IPv6 address: lowercase, leading zeros dropped, the longest run of zero groups as "::". */
    static String compress(String ipv6) {
        String[] g = ipv6.split(":", -1);
        if (g.length != 8) return ipv6;
        for (int i = 0; i < 8; i++) g[i] = Integer.toHexString(Integer.parseInt(g[i], 16));
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (!g[i].equals("0")) { i++; continue; }
            int j = i;
            while (j < 8 && g[j].equals("0")) j++;
            if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        if (bestStart < 0) return String.join(":", g);
        String left = String.join(":", Arrays.copyOfRange(g, 0, bestStart));
        String right = String.join(":", Arrays.copyOfRange(g, bestStart + bestLen, 8));
        return left + "::" + right;
    }
}
