package io.ingot.network;

import io.ingot.util.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class NetworkConfigTest {
    private static final NetworksFile NETWORKS = NetworksFile.parse(Path.of("networks.yaml"), """
            networks:
              lab: {bridge: br0, subnet: 10.77.0.0/24, gateway: 10.77.0.1, dns: [10.77.0.1]}
              back: {bridge: br1, subnet: 10.88.0.0/24, gateway: 10.88.0.1}
            """);

    @Test
    void noneWhenEveryNicIsOnTheUserNetwork() {
        assertNull(NetworkConfig.of(List.of(new AddressPlan.Planned(null, "0a:49:4e:00:00:01", null)), NETWORKS));
    }

    @Test
    void staticNicsMatchedByMacWithOneDefaultRoute() throws Exception {
        String yaml = Json.YAML.writeValueAsString(NetworkConfig.of(List.of(
                new AddressPlan.Planned("lab", "0a:49:4e:00:00:01", "10.77.0.10/24"),
                new AddressPlan.Planned("back", "0a:49:4e:00:00:02", "10.88.0.7/24"),
                new AddressPlan.Planned("lab", "0a:49:4e:00:00:03", "dhcp")), NETWORKS));
        assertEquals("""
                version: 2
                ethernets:
                  nic0:
                    match:
                      macaddress: 0a:49:4e:00:00:01
                    dhcp4: false
                    addresses:
                    - 10.77.0.10/24
                    routes:
                    - to: 0.0.0.0/0
                      via: 10.77.0.1
                    nameservers:
                      addresses:
                      - 10.77.0.1
                  nic1:
                    match:
                      macaddress: 0a:49:4e:00:00:02
                    dhcp4: false
                    addresses:
                    - 10.88.0.7/24
                  nic2:
                    match:
                      macaddress: 0a:49:4e:00:00:03
                    dhcp4: true
                """, yaml);
    }

    @Test
    void aUserNicKeepsTheDefaultRoute() throws Exception {
        String yaml = Json.YAML.writeValueAsString(NetworkConfig.of(List.of(
                new AddressPlan.Planned(null, "0a:49:4e:00:00:01", null),
                new AddressPlan.Planned("back", "0a:49:4e:00:00:02", "10.88.0.7/24")), NETWORKS));
        assertEquals(false, yaml.contains("routes"), yaml);
    }
}
