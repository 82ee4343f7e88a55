package io.ingot.network;

import io.ingot.util.UserError;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code <images>/networks.yaml}: the named networks clones may join besides QEMU's user network.
 * <pre>
 * networks:
 *   lab:
 *     bridge: br-lab            # a Linux bridge on this host; ingot adds a tap per clone NIC to it
 *     subnet: 10.77.0.0/24
 *     gateway: 10.77.0.1        # optional: the default route of clones with a static address
 *     dns: [10.77.0.1]          # optional
 *     pool: 10.77.0.10-10.77.0.99   # optional: ingot hands these out; without it clones use DHCP
 *     dhcpLeases: /var/lib/misc/dnsmasq.leases   # optional: where DHCP clones' addresses are read
 *   solo:
 *     tap: routed               # no bridge: a tap per clone NIC whose host end has the gateway's address
 *     subnet: 10.88.0.0/24
 *     gateway: 10.88.0.1        # required here
 *     pool: 10.88.0.10-10.88.0.99   # or ip= at clone time: no DHCP on a routed tap
 * </pre>
 * Read from the YAML node tree, so that every error names its line and field.
 */
public final class NetworksFile {
    public static final String FILE_NAME = "networks.yaml";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");
    /** Linux interface names: at most 15 bytes, no '/', ':' or blanks. */
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Set<String> FIELDS = Set.of("bridge", "tap", "subnet", "gateway", "dns", "pool", "dhcpLeases");

    private final Path file;
    private final Map<String, Network> networks;

    private NetworksFile(Path file, Map<String, Network> networks) {
        this.file = file;
        this.networks = networks;
    }

    /** No networks: for runners of clones on QEMU's user network only. */
    public static NetworksFile none() { return new NetworksFile(Path.of(FILE_NAME), Map.of()); }

    /** The networks of {@code images}; none when it has no networks.yaml. */
    public static NetworksFile load(Path images) {
        Path file = images.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) return new NetworksFile(file, Map.of());
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage());
        }
        return parse(file, text);
    }

    static NetworksFile parse(Path file, String text) {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            throw new UserError(file + ":" + (e.getProblemMark().getLine() + 1) + ": not YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new UserError(file + ": not YAML: " + e.getMessage());
        }
        Map<String, Network> out = new LinkedHashMap<>();
        if (root == null) return new NetworksFile(file, out);
        for (NodeTuple t : mapping(file, root, "document").getValue()) {
            String key = scalar(file, t.getKeyNode(), "document");
            if (!key.equals("networks")) throw error(file, t.getKeyNode(), "unknown field '" + key + "' (known: networks)");
            for (NodeTuple n : mapping(file, t.getValueNode(), "networks").getValue()) {
                String name = scalar(file, n.getKeyNode(), "networks");
                if (!NAME.matcher(name).matches() || name.equals(Network.USER)) {
                    throw error(file, n.getKeyNode(), "networks." + name + ": a network name is lower-case letters, digits and '-',"
                            + " starting with a letter" + (name.equals(Network.USER) ? ", and 'user' is QEMU's own network" : ""));
                }
                // composing keeps duplicate keys (only constructing objects would refuse them)
                if (out.containsKey(name)) throw error(file, n.getKeyNode(), "networks." + name + " is defined twice");
                out.put(name, network(file, name, n.getKeyNode(), n.getValueNode()));
            }
        }
        return new NetworksFile(file, out);
    }

    private static Network network(Path file, String name, Node nameNode, Node node) {
        String at = "networks." + name;
        Map<String, Node> fields = new LinkedHashMap<>();
        for (NodeTuple t : mapping(file, node, at).getValue()) {
            String key = scalar(file, t.getKeyNode(), at);
            if (!FIELDS.contains(key)) throw error(file, t.getKeyNode(), at + ": unknown field '" + key + "' (known: " + new TreeSet<>(FIELDS) + ")");
            if (fields.containsKey(key)) throw error(file, t.getKeyNode(), at + "." + key + " is given twice");
            fields.put(key, t.getValueNode());
        }
        if (fields.containsKey("bridge") == fields.containsKey("tap")) {
            throw error(file, nameNode, at + ": give either bridge: NAME (a Linux bridge the clones join) or tap: routed (a tap per clone, routed by the host)");
        }
        if (!fields.containsKey("subnet")) throw error(file, nameNode, at + ".subnet is missing");
        String bridge = null;
        if (fields.containsKey("bridge")) {
            bridge = scalar(file, fields.get("bridge"), at + ".bridge");
            if (!IFNAME.matcher(bridge).matches()) {
                throw error(file, fields.get("bridge"), at + ".bridge '" + bridge + "': a Linux interface name of at most 15 characters");
            }
        } else {
            String tap = scalar(file, fields.get("tap"), at + ".tap");
            if (!tap.equals("routed")) throw error(file, fields.get("tap"), at + ".tap '" + tap + "': the one kind is 'routed'");
            if (!fields.containsKey("gateway")) throw error(file, nameNode, at + ".gateway is missing: a routed tap's host end has that address");
            if (fields.containsKey("dhcpLeases")) throw error(file, fields.get("dhcpLeases"), at + ".dhcpLeases: a routed tap has no DHCP");
        }
        Subnet subnet = value(file, fields.get("subnet"), at + ".subnet", Subnet::parse);
        Ipv4 gateway = null;
        if (fields.containsKey("gateway")) {
            gateway = value(file, fields.get("gateway"), at + ".gateway", Ipv4::parse);
            if (!subnet.isHost(gateway)) throw error(file, fields.get("gateway"), at + ".gateway " + gateway + " is not a host address of " + subnet);
        }
        List<Ipv4> dns = new ArrayList<>();
        if (fields.containsKey("dns")) {
            Node d = fields.get("dns");
            if (!(d instanceof SequenceNode seq)) throw error(file, d, at + ".dns: expected a list of addresses, like [10.77.0.1]");
            for (Node item : seq.getValue()) dns.add(value(file, item, at + ".dns", Ipv4::parse));
        }
        Network.Pool pool = null;
        if (fields.containsKey("pool")) {
            Node p = fields.get("pool");
            String text = scalar(file, p, at + ".pool");
            String[] ends = text.split("-", -1);
            if (ends.length != 2) throw error(file, p, at + ".pool '" + text + "': expected FIRST-LAST, like 10.77.0.10-10.77.0.99");
            pool = new Network.Pool(value(file, p, at + ".pool", s -> Ipv4.parse(ends[0])), value(file, p, at + ".pool", s -> Ipv4.parse(ends[1])));
            if (pool.first().compareTo(pool.last()) > 0) throw error(file, p, at + ".pool '" + text + "': its first address comes after its last");
            if (!subnet.isHost(pool.first()) || !subnet.isHost(pool.last())) throw error(file, p, at + ".pool " + pool + " is not inside " + subnet);
            if (gateway != null && pool.contains(gateway)) throw error(file, p, at + ".pool " + pool + " holds the gateway " + gateway);
        }
        Path leases = null;
        if (fields.containsKey("dhcpLeases")) {
            String l = scalar(file, fields.get("dhcpLeases"), at + ".dhcpLeases");
            if (!l.startsWith("/")) throw error(file, fields.get("dhcpLeases"), at + ".dhcpLeases '" + l + "': give an absolute path");
            leases = Path.of(l);
        }
        return new Network(name, bridge, subnet, gateway, dns, pool, leases);
    }

    private interface Parser<T> {
        T parse(String text);
    }

    private static <T> T value(Path file, Node node, String at, Parser<T> parser) {
        String text = scalar(file, node, at);
        try {
            return parser.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(file, node, at + ": " + e.getMessage());
        }
    }

    private static MappingNode mapping(Path file, Node node, String at) {
        if (node instanceof MappingNode m) return m;
        throw error(file, node, at + ": expected a mapping (key: value lines)");
    }

    private static String scalar(Path file, Node node, String at) {
        if (node instanceof ScalarNode s && !s.getValue().isBlank()) return s.getValue().trim();
        throw error(file, node, at + ": expected a value");
    }

    private static UserError error(Path file, Node node, String message) {
        return new UserError(file + ":" + (node.getStartMark().getLine() + 1) + ": " + message);
    }

    public Path file() { return file; }

    public Map<String, Network> all() { return Map.copyOf(networks); }

    public Optional<Network> find(String name) { return Optional.ofNullable(networks.get(name)); }

    /** The network called {@code name}, or a one-line error listing those there are. */
    public Network get(String name, String option) {
        Network n = networks.get(name);
        if (n != null) return n;
        throw new UserError(option + ": unknown network '" + name + "' (" + (networks.isEmpty()
                ? "no networks are defined: add them to " + file
                : "known: user, " + String.join(", ", new TreeSet<>(networks.keySet())) + "; see " + file) + ")");
    }
}
