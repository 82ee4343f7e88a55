package io.ingot.it;

import io.ingot.network.TapDevices;
import io.ingot.util.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Clones of debian-12-minimal on a real Linux bridge, as root, inside a network namespace this test makes (so no packet
 * leaves it): the bridge has the gateway's address and a DHCP server (dnsmasq), ingot runs in the namespace as it would
 * on a host with that bridge, makes each clone's tap and adds it to the bridge. Static addresses from the seed's
 * network-config and from onRestore (memory clones), DHCP, clones reaching each other, and every bad input refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkIT {
    private static final Duration BOOT = Duration.ofMinutes(8);
    private static final String NS = "ingot-it-" + ProcessHandle.current().pid();
    private static Path dir;
    private static Process dnsmasq;
    private static IngotChild ingot;
    private static Path networks;

    @BeforeAll
    static void bridgeAndDhcpInANamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "bridges, taps and namespaces need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dnsmasq")), "the DHCP server of the test's network is dnsmasq (dnsmasq-base)");
        TestImages.debian();
        dir = Files.createTempDirectory(TestImages.home().resolve("target"), "network-it");
        run("ip", "netns", "add", NS);
        run("ip", "-n", NS, "link", "set", "lo", "up");
        run("ip", "-n", NS, "link", "add", "br-it", "type", "bridge");
        run("ip", "-n", NS, "addr", "add", "10.77.0.1/24", "dev", "br-it");
        run("ip", "-n", NS, "link", "set", "br-it", "up");
        dnsmasq = new ProcessBuilder("ip", "netns", "exec", NS, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                "--port=0", "--interface=br-it", "--bind-interfaces", "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h",
                "--dhcp-leasefile=" + dir.resolve("leases"), "--user=root", "--log-dhcp", "--log-facility=" + dir.resolve("dnsmasq.log"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.out").toFile()).start();
        networks = TestImages.paths().images().resolve("networks.yaml");
        Files.writeString(networks, """
                networks:
                  lab:
                    bridge: br-it
                    subnet: 10.77.0.0/24
                    gateway: 10.77.0.1
                    dns: [10.77.0.1]
                    pool: 10.77.0.10-10.77.0.29
                    dhcpLeases: %s
                  solo:
                    tap: routed
                    subnet: 10.88.0.0/24
                    gateway: 10.88.0.1
                """.formatted(dir.resolve("leases")));
        ingot = new IngotChild(TestImages.home(), TestImages.paths().images(), TestImages.paths().cache())
                .wrappedIn(List.of("ip", "netns", "exec", NS));
    }

    @AfterAll
    static void removeEverything() throws Exception {
        if (ingot == null) return;
        for (String c : List.of("net-a", "net-b", "net-c", "net-m1", "net-m2")) {
            // the clone's console stays beside dnsmasq's log: what a failure left to read
            Path serial = TestImages.paths().images().resolve("clones").resolve(c).resolve("serial.log");
            if (Files.exists(serial)) Files.copy(serial, dir.resolve(c + "-serial.log"), StandardCopyOption.REPLACE_EXISTING);
            ingot.run(Duration.ofMinutes(2), "stop", c);
            ingot.run(Duration.ofMinutes(2), "rm", c);
        }
        if (dnsmasq != null) {
            dnsmasq.destroy();
            dnsmasq.waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(networks);
        new ProcessBuilder("ip", "netns", "delete", NS).start().waitFor();
    }

    @Test
    @Order(1)
    void bootedClonesTakeStaticAndDhcpAddressesAndReachEachOther() throws Exception {
        Path userData = dir.resolve("user-data.yaml");
        Files.writeString(userData, "#cloud-config\nruncmd:\n  - echo on-the-bridge > /root/user-data-ran\n");
        ok(ingot.run(Duration.ofMinutes(2), "clone", "debian-12-minimal", "net-a", "--linked", "--net", "lab"), "10.77.0.10/24");
        ok(ingot.run(Duration.ofMinutes(2), "clone", "debian-12-minimal", "net-b", "--linked", "--net", "lab,ip=10.77.0.42", "--net", "solo,ip=10.88.0.5",
                "--disk-size", "8G", "--cpus", "2", "--memory", "2G", "--user-data", userData.toString()), "10.77.0.42/24");
        ok(ingot.run(Duration.ofMinutes(2), "clone", "debian-12-minimal", "net-c", "--linked", "--net", "lab,ip=dhcp"), "address by DHCP");
        for (String c : List.of("net-a", "net-b", "net-c")) ok(ingot.run(Duration.ofMinutes(2), "start", c), "lab (tap ingot");

        String dhcp = awaitAddress("net-c");
        assertTrue(dhcp.matches("10\\.77\\.0\\.1[0-4]\\d|10\\.77\\.0\\.150"), "net-c took an address of dnsmasq's range: " + dhcp);
        assertTrue(awaitSsh("net-a", "ip -4 -o addr show").contains("inet 10.77.0.10/24"), "net-a has the pool's first address");
        assertTrue(awaitSsh("net-b", "ip -4 -o addr show").contains("inet 10.77.0.42/24"), "net-b has the address it asked for");
        assertTrue(awaitSsh("net-c", "ip -4 -o addr show").contains("inet " + dhcp + "/24"));
        // ingot ssh reached each at its own address, checking the host key ingot made for that clone: none answers for another
        for (String c : List.of("net-a", "net-b", "net-c")) assertEquals(c, ssh(c, "hostname").strip());
        // the clones reach each other and the gateway over the bridge
        ssh("net-a", "ping -c 1 -W 5 10.77.0.42 && ping -c 1 -W 5 " + dhcp);
        ssh("net-c", "ping -c 1 -W 5 10.77.0.10 && ping -c 1 -W 5 10.77.0.1");
        assertTrue(ssh("net-a", "ip route show default").contains("via 10.77.0.1"), "the static NIC has the network's gateway");
        // net-b's second NIC is on a routed tap of its own: the host reaches it through its route, and it the host's end
        assertEquals(0, exit("ip", "netns", "exec", NS, "timeout", "10", "bash", "-c", "exec 3<>/dev/tcp/10.88.0.5/22 && head -c 4 <&3 | grep -q SSH-"),
                "the namespace reaches net-b's SSH on solo");
        ssh("net-b", "ping -c 1 -W 5 10.88.0.1");
        // the clone-time sizes and the owner's cloud-config
        assertEquals("2", ssh("net-b", "nproc").strip(), "--cpus 2");
        long memKiB = Long.parseLong(ssh("net-b", "awk '/^MemTotal:/ { print $2 }' /proc/meminfo").strip());
        assertTrue(memKiB > 1800 * 1024 && memKiB <= 2048 * 1024, "--memory 2G: MemTotal " + memKiB + " KiB");
        long rootBytes = Long.parseLong(ssh("net-b", "df -B1 --output=size / | tail -n 1").strip());
        assertTrue(rootBytes > 7L << 30, "--disk-size 8G: cloud-init grew / to " + rootBytes + " bytes");
        assertEquals("on-the-bridge", ssh("net-b", "cloud-init status --wait > /dev/null; cat /root/user-data-ran").strip());

        String clones = ingot.run(Duration.ofMinutes(1), "clones").output();
        assertTrue(clones.contains("lab=10.77.0.10") && clones.contains("lab=10.77.0.42 solo=10.88.0.5") && clones.contains("lab=" + dhcp), clones);
        // a stopped clone's tap is gone with its QEMU
        String tap = TapDevices.name("net-a", 0);
        assertEquals(0, exit("ip", "-n", NS, "link", "show", tap));
        ok(ingot.run(Duration.ofMinutes(2), "stop", "net-a"), "stopped");
        assertNotEquals(0, exit("ip", "-n", NS, "link", "show", tap), "tap " + tap + " is removed when net-a stops");
    }

    @Test
    @Order(2)
    void badInputIsOneLineAndMakesNothing() throws Exception {
        refused(ingot.run(Duration.ofMinutes(1), "clone", "debian-12-minimal", "net-x", "--linked", "--net", "nope"),
                "--net nope: unknown network 'nope' (known: user, lab, solo; see ");
        refused(ingot.run(Duration.ofMinutes(1), "clone", "debian-12-minimal", "net-x", "--linked", "--net", "lab,ip=10.78.0.5"),
                "--net lab: ip 10.78.0.5 is outside network lab's subnet 10.77.0.0/24");
        refused(ingot.run(Duration.ofMinutes(1), "clone", "debian-12-minimal", "net-x", "--linked", "--net", "lab,ip=10.77.0.42"),
                "--net lab: ip 10.77.0.42 on network lab is already taken by clone 'net-b'");
        String mac = Json.MAPPER.readTree(Files.readString(TestImages.paths().images().resolve("clones/net-b/vm.json"))).path("nics").get(0).path("mac").asText();
        refused(ingot.run(Duration.ofMinutes(1), "clone", "debian-12-minimal", "net-x", "--linked", "--net", "lab,mac=" + mac),
                "--net lab: mac " + mac + " is already used by clone 'net-b'");
        refused(ingot.run(Duration.ofMinutes(1), "clone", "debian-12-minimal", "net-x", "--linked", "--disk-size", "1G"),
                "--disk-size 1G is smaller than the disk of debian-12-minimal");
        Path script = dir.resolve("script.sh");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        refused(ingot.run(Duration.ofMinutes(1), "clone", "debian-12-minimal", "net-x", "--linked", "--user-data", script.toString()),
                script + ":1: not cloud-config");
        assertFalse(Files.exists(TestImages.paths().images().resolve("clones/net-x")), "nothing of net-x was made");
        // without CAP_NET_ADMIN nothing starts, and the line says which capability is missing
        IngotChild unprivileged = ingot.wrappedIn(List.of("setpriv", "--inh-caps=-net_admin", "--bounding-set=-net_admin"));
        refused(unprivileged.run(Duration.ofMinutes(1), "start", "net-a"), "needs the capability CAP_NET_ADMIN");
        assertTrue(ingot.run(Duration.ofMinutes(1), "clones").output().lines().anyMatch(l -> l.startsWith("net-a ") && l.endsWith(" -")),
                "net-a is not running");
    }

    @Test
    @Order(3)
    void memoryClonesOnOneBridgeEachTakeTheirOwnAddress() throws Exception {
        ok(ingot.run(Duration.ofMinutes(2), "clone", "debian-12-minimal", "net-m1", "--linked", "--ram", "--net", "lab"), "lab: ");
        ok(ingot.run(Duration.ofMinutes(2), "clone", "debian-12-minimal", "net-m2", "--linked", "--ram", "--net", "lab,ip=10.77.0.77"), "10.77.0.77/24");
        JsonNode m1 = Json.MAPPER.readTree(Files.readString(TestImages.paths().images().resolve("clones/net-m1/vm.json")));
        JsonNode m2 = Json.MAPPER.readTree(Files.readString(TestImages.paths().images().resolve("clones/net-m2/vm.json")));
        // a memory clone keeps a NIC on the user network (ingot's way in for onRestore) and adds its own on the bridge
        assertEquals("lab", m1.path("nics").get(1).path("network").asText());
        String a1 = m1.path("nics").get(1).path("address").asText().replace("/24", "");
        assertNotEquals(m1.path("nics").get(1).path("mac").asText(), m2.path("nics").get(1).path("mac").asText());
        // both at once
        List<IngotChild.Result> started = new ArrayList<>();
        var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> start("net-m1"));
        var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> start("net-m2"));
        started.add(first.get(5, TimeUnit.MINUTES));
        started.add(second.get(5, TimeUnit.MINUTES));
        for (IngotChild.Result r : started) ok(r, "resumed");
        // each answers at its own address on the bridge, from inside the namespace, as itself
        assertEquals("net-m1", sshAt(a1, "net-m1").strip());
        assertEquals("net-m2", sshAt("10.77.0.77", "net-m2").strip());
        assertTrue(ssh("net-m1", "ip -4 -o addr show").contains("inet " + a1 + "/24"));
        ssh("net-m1", "ping -c 1 -W 5 10.77.0.77");
    }

    private static IngotChild.Result start(String clone) {
        try {
            return ingot.run(Duration.ofMinutes(5), "start", clone);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A plain OpenSSH login from the namespace to {@code address}, trusting only the host keys ingot made for {@code clone}. */
    private static String sshAt(String address, String clone) throws Exception {
        Path seed = TestImages.paths().images().resolve("clones").resolve(clone).resolve("seed/user-data");
        JsonNode keys = Json.YAML.readTree(seed.toFile()).path("ssh_keys");
        StringBuilder known = new StringBuilder();
        keys.fields().forEachRemaining(e -> { if (e.getKey().endsWith("_public")) known.append(address).append(' ').append(e.getValue().asText().strip()).append('\n'); });
        Path knownHosts = dir.resolve("known_hosts-" + clone);
        Files.writeString(knownHosts, known);
        long deadline = System.nanoTime() + BOOT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Process p = new ProcessBuilder("ip", "netns", "exec", NS, "ssh", "-i", TestImages.paths().images().resolve(".ingot/access/id_ed25519").toString(),
                    "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
                    "-o", "ConnectTimeout=5", "root@" + address, "hostname").redirectErrorStream(true).start();
            last = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() == 0) return last;
            Thread.sleep(2000);
        }
        throw new AssertionError("no SSH login to " + clone + " at " + address + ": " + last);
    }

    private static String awaitAddress(String clone) throws Exception {
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode rows = Json.MAPPER.readTree(ingot.run(Duration.ofMinutes(1), "clones", "--json").output());
            for (JsonNode r : rows) {
                if (!r.path("name").asText().equals(clone)) continue;
                for (JsonNode a : r.path("addresses")) {
                    if (a.asText().startsWith("lab=") && !a.asText().equals("lab=?")) return a.asText().substring(4);
                }
            }
            Thread.sleep(3000);
        }
        throw new AssertionError(clone + " took no address by DHCP within " + BOOT.toMinutes() + " minutes");
    }

    /** {@code ingot ssh CLONE -- COMMAND} until it answers (the clone boots meanwhile). */
    private static String awaitSsh(String clone, String command) throws Exception {
        long deadline = System.nanoTime() + BOOT.toNanos();
        IngotChild.Result r = null;
        while (System.nanoTime() < deadline) {
            r = ingot.run(Duration.ofMinutes(1), "ssh", clone, "--", command);
            if (r.exitCode() == 0) return r.output();
            Thread.sleep(3000);
        }
        throw new AssertionError(clone + " did not answer SSH: " + r);
    }

    private static String ssh(String clone, String command) throws Exception {
        IngotChild.Result r = ingot.run(Duration.ofMinutes(3), "ssh", clone, "--", command);
        assertEquals(0, r.exitCode(), () -> "ingot ssh " + clone + " -- " + command + ": " + r);
        return r.output();
    }

    private static void ok(IngotChild.Result r, String expected) {
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.output().contains(expected), () -> "expected '" + expected + "' in:\n" + r);
    }

    private static void refused(IngotChild.Result r, String expected) {
        assertEquals(2, r.exitCode(), r::toString);
        List<String> lines = r.output().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), () -> "one line: " + r);
        assertTrue(lines.get(0).contains(expected), () -> "expected '" + expected + "' in:\n" + r);
    }

    private static void run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(String.join(" ", argv) + ": " + out);
    }

    private static int exit(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
