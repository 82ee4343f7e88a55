package io.ingot.network;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A clone's {@code network-config} (cloud-init's version 2, as its NoCloud seed carries it): each NIC matched by its
 * MAC, DHCP or a static address with the network's DNS servers. Only one default route: through the gateway of the
 * first static NIC, and only when the clone has no NIC on QEMU's user network (whose DHCP gives the default route).
 */
public final class NetworkConfig {
    private NetworkConfig() { }

    /** The document, or null when every NIC is on the user network (then the image's own DHCP setup is left alone). */
    public static Map<String, Object> of(List<AddressPlan.Planned> nics, NetworksFile networks) {
        if (nics.stream().allMatch(n -> n.network() == null)) return null;
        boolean user = nics.stream().anyMatch(n -> n.network() == null);
        boolean routed = user;
        Map<String, Object> ethernets = new LinkedHashMap<>();
        for (int i = 0; i < nics.size(); i++) {
            AddressPlan.Planned nic = nics.get(i);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("match", Map.of("macaddress", nic.mac()));
            if (nic.network() == null || nic.isDhcp()) {
                e.put("dhcp4", true);
            } else {
                Network n = networks.get(nic.network(), "network-config");
                e.put("dhcp4", false);
                e.put("addresses", List.of(nic.address()));
                if (n.gateway() != null && !routed) {
                    Map<String, Object> route = new LinkedHashMap<>();
                    route.put("to", "0.0.0.0/0");
                    route.put("via", n.gateway().toString());
                    e.put("routes", List.of(route));
                    routed = true;
                }
                if (!n.dns().isEmpty()) {
                    List<String> dns = new ArrayList<>();
                    n.dns().forEach(a -> dns.add(a.toString()));
                    e.put("nameservers", Map.of("addresses", dns));
                }
            }
            ethernets.put("nic" + i, e);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 2);
        doc.put("ethernets", ethernets);
        return doc;
    }
}
