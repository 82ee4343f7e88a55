package io.ingot.network;

import io.ingot.util.Command;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * The host side of a clone's NIC on a bridge: a tap device that QEMU makes itself when it starts ({@code -netdev tap}
 * without a script) and that the kernel removes when QEMU closes it, so a stopped or killed clone leaves none behind;
 * ingot adds it to the network's bridge (or, on a routed network, gives its host end the gateway's address and a route
 * to the clone) before the guest runs. Making a tap takes {@code CAP_NET_ADMIN}.
 */
public final class TapDevices {
    /** Bit 12 of the capability sets in /proc/PID/status (linux/capability.h). */
    private static final int CAP_NET_ADMIN = 12;

    private final Path sysClassNet;
    private final Path procStatus;

    public TapDevices() {
        this(Path.of("/sys/class/net"), Path.of("/proc/self/status"));
    }

    TapDevices(Path sysClassNet, Path procStatus) {
        this.sysClassNet = sysClassNet;
        this.procStatus = procStatus;
    }

    /**
     * The tap of NIC {@code index} of {@code clone}: short (interface names have at most 15 bytes) and the same at every
     * start, so that {@code ip link} shows which clone a tap belongs to ({@code ingot clones} lists them).
     */
    public static String name(String clone, int index) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(clone.getBytes(StandardCharsets.UTF_8));
            return "ingot" + HexFormat.of().formatHex(h, 0, 3) + "n" + index;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Refuses, before anything is made, a start this process cannot carry out: it needs {@code CAP_NET_ADMIN} and the
     * network's bridge must exist and be a bridge.
     */
    public void check(String clone, Network network) {
        if (!hasNetAdmin()) {
            throw new UserError("clone '" + clone + "' has a NIC on network '" + network.name() + "' ("
                    + (network.routed() ? "a routed tap" : "bridge " + network.bridge())
                    + "): making its tap device needs the capability CAP_NET_ADMIN, which this process lacks (run ingot as root)");
        }
        if (network.routed()) return;
        Path dev = sysClassNet.resolve(network.bridge());
        if (!Files.exists(dev)) {
            throw new UserError("network '" + network.name() + "': bridge " + network.bridge() + " does not exist on this host"
                    + " (make it, e.g.: ip link add " + network.bridge() + " type bridge && ip link set " + network.bridge() + " up)");
        }
        if (!Files.isDirectory(dev.resolve("bridge"))) {
            throw new UserError("network '" + network.name() + "': " + network.bridge() + " is not a Linux bridge");
        }
    }

    boolean hasNetAdmin() {
        try {
            for (String line : Files.readAllLines(procStatus)) {
                if (line.startsWith("CapEff:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) >>> CAP_NET_ADMIN & 1) == 1;
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: let the attempt itself say
            return true;
        }
        return false;
    }

    /**
     * Brings up the tap QEMU made for a NIC on {@code network}: on its bridge; or, routed, with the gateway's address on
     * the host end, a route to the clone's {@code address} (CIDR) through it, and proxy ARP on it, so that the clone
     * reaches the other clones of the network where the host forwards. All of it goes with the tap.
     */
    public void attach(String tap, Network network, String address) {
        try {
            if (!network.routed()) {
                ip("link", "set", "dev", tap, "master", network.bridge());
                ip("link", "set", "dev", tap, "up");
                return;
            }
            ip("addr", "add", network.gateway() + "/32", "dev", tap);
            ip("link", "set", "dev", tap, "up");
            ip("route", "add", AddressPlan.hostAddress(address) + "/32", "dev", tap);
            Files.writeString(Path.of("/proc/sys/net/ipv4/conf", tap, "proxy_arp"), "1\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot set up tap " + tap + " for network " + network.name() + ": " + e.getMessage(), e);
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Command.run(argv, Duration.ofSeconds(10));
    }
}
