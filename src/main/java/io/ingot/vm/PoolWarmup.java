package io.ingot.vm;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.guest.BuildKey;
import io.ingot.qemu.Qcow2Overlay;
import io.ingot.qemu.QmpClient;
import io.ingot.template.Devices;
import io.ingot.template.KeptNic;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A warm pool process made ready before any claim (templates with a guest agent, clones on the user network only):
 * resumed on a disk overlay and a seed of its own, thawed, and taken once through what a clone's start does in the
 * guest (onRestore with a throwaway identity, a NIC plugged in, an address, an SSH login), so that the guest's code
 * for all of it is already translated (under emulation that is most of a start's time) and its caches are warm. Its
 * NIC stays plugged, with its address; only the SSH forward on the host goes (its port is given back). A claim hands
 * the clone its disk (the process's overlay takes the place of the clone's fresh one, with the same backing file) and
 * its seed (the clone's ISO, written over the process's), forwards the clone's SSH port to that NIC, and has the guest
 * give the NIC the clone's MAC as the first step of onRestore (virtio-net takes a live MAC change through its control
 * queue: QEMU's receive filter then has the clone's MAC), which runs with the clone's identity; the first login is all
 * that remains. A hot-plug of a NIC, ~0.4 to 0.9 s of the guest's time under emulation (ACPI, the driver, udev,
 * networkd, the address), is not on the claim's path.
 */
final class PoolWarmup {
    static final String DISK = "disk.qcow2";
    static final String SEED = "seed.iso";
    /** The clone's fresh overlay, kept in the claimed directory until the clone runs (given back if the claim fails). */
    private static final String KEPT_DISK = "clone-disk.qcow2";
    /** Room for any clone's seed ISO: a clone's seed is written over the process's, whose size the guest already saw. */
    static final long SEED_ROOM = 1L << 20;
    private static final Duration WARMUP_TIMEOUT = Duration.ofMinutes(2);
    private static final String NIC_ID = NicPlugger.nicId(0);
    private static final String NETDEV_ID = "net0";
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    private PoolWarmup() { }

    /**
     * Whether a process can be made ready for clones like {@code vm}: a template with a guest agent (onRestore and the
     * address are learnt through it) and onRestore, a qcow2 disk on a backing file (the capture overlay), clones on
     * the user network only (a prototype has no NICs yet).
     */
    static boolean canPrepare(VmConfig vm) {
        return Devices.agent(vm.machine().devices()) && !vm.ram().onRestore().isEmpty() && vm.disk() != null
                && "qcow2".equals(vm.disk().format()) && vm.disk().backing() != null && Path.of(vm.disk().backing()).isAbsolute()
                && Files.isRegularFile(Path.of(vm.disk().backing())) && onUserNetworkOnly(vm);
    }

    /** Whether a ready process serves {@code vm} (a prototype, without a disk file yet, is counted as served). */
    static boolean fits(WarmPool.Slot slot, VmConfig vm) {
        if (vm.disk() == null || !Objects.equals(slot.backing(), vm.disk().backing()) || !onUserNetworkOnly(vm)) return false;
        if (vm.disk().path() == null) return true;
        return "qcow2".equals(vm.disk().format()) && Files.isRegularFile(Path.of(vm.disk().path())) && vm.seed() != null
                && vm.nics() != null && vm.nics().size() == 1;
    }

    private static boolean onUserNetworkOnly(VmConfig vm) {
        return vm.nics() == null || vm.nics().stream().allMatch(VmConfig.NicConfig::onUserNetwork);
    }

    /**
     * Starts a process for slot {@code id} in {@code slotDir} and makes it ready: returns it running, detached from
     * nothing yet (the caller records the slot, then detaches it), its NIC plugged, its SSH forward and port released.
     */
    static CloneRunner.Running prepare(CloneRunner runner, VmConfig prototype, String id, String processName, Path slotDir,
                                       Path sockets, BuildKey access) throws IOException {
        String name = "pool-" + id;
        Path backing = Path.of(prototype.disk().backing());
        Path disk = slotDir.resolve(DISK);
        if (!Qcow2Overlay.create(disk, slotDir.relativize(backing).toString(), "qcow2")) {
            throw new IllegalStateException("cannot make a disk overlay on " + backing + " for warm pool process " + id);
        }
        String instanceId = UUID.randomUUID().toString();
        SeedBuilder seeds = new SeedBuilder();
        Path iso = seeds.write(slotDir, new SeedBuilder.Seed(instanceId, name, List.of(access.publicKeyLine("ingot")),
                HostKeys.generate("root@" + name)));
        seeds.ensureIso(iso);
        try (RandomAccessFile f = new RandomAccessFile(iso.toFile(), "rw")) {
            if (f.length() < SEED_ROOM) f.setLength(SEED_ROOM);
        }
        String model = prototype.ram().nicModel() == null ? "virtio-net-pci" : prototype.ram().nicModel();
        KeptNic kept = prototype.ram().keptNic();
        VmConfig warm = new VmConfig(name, prototype.template(), prototype.kind(), prototype.storage(), Instant.now(),
                new VmConfig.DiskRef(disk.toString(), "qcow2", backing.toString()), iso.toString(), prototype.machine(),
                List.of(new VmConfig.NicConfig(model, kept != null ? kept.mac() : new MacAddresses("0a:49:4e").next())), null,
                UUID.randomUUID().toString(), instanceId, prototype.ram());
        // a template that kept its NIC: the process resumes with it, up and addressed as the capture left it; else
        // resumed without its NIC: onRestore writes the NIC's static set-up before the guest sees the NIC, which then
        // comes up under it at once; plugged in first, the template's catch-all DHCP set-up takes it, and
        // systemd-networkd 252 moved from that lease to the static file could leave it with no IPv4 address for good
        CloneRunner.Running r = runner.resume(processName, kept != null ? warm : warm.withNics(List.of()), slotDir, sockets, true);
        try {
            // the NIC stays for the clone that claims the process: told its address now, as the claim's onRestore is
            IdentityRefresh.runOnRestore(r.agentSocket(), warm, r.keptNicMac(), true, line -> { });
            r.phases().mark("onRestore ran (agent)");
            if (kept == null) r = runner.plugNics(r, warm);
            IdentityRefresh.loginOnceAddressed(r, access.keyPair(), WARMUP_TIMEOUT, line -> { }, () -> { });
            keepNic(r.process().qmp(), r.sshPort());
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
        r.lease().close();
        return r;
    }

    /**
     * Leaves the warm-up NIC plugged but stops forwarding the port whose lease the caller gives back; asks QEMU for
     * the NIC's receive filter, so that it reports the next change (the clone's MAC) with a NIC_RX_FILTER_CHANGED
     * event again (QEMU sends one per query), on which {@link NicAnnouncer} has the guest announce the new MAC.
     */
    private static void keepNic(QmpClient qmp, int port) {
        String rule = "tcp:127.0.0.1:" + port;
        String said = hmp(qmp, "hostfwd_remove " + NETDEV_ID + " " + rule);
        if (!said.endsWith(" removed")) throw new IllegalStateException("QEMU kept the forward " + rule + " of a warm pool process: " + said);
        qmp.execute("query-rx-filter", Map.of("name", NIC_ID));
    }

    /**
     * The claimed clone takes the kept NIC: its SSH port (127.0.0.1:{@code port}) is forwarded to it, as at a restore,
     * and QEMU has the guest announce the NIC again once its MAC changed (its receive filter changes with it).
     */
    static void takeNic(QmpClient qmp, int port, Duration within, StartPhases phases) {
        forwardSsh(qmp, port);
        NicAnnouncer.start(qmp, NIC_ID, within, phases);
        phases.mark("SSH port forwarded to the kept NIC");
    }

    private static void forwardSsh(QmpClient qmp, int port) {
        String command = "hostfwd_add " + NETDEV_ID + " tcp:127.0.0.1:" + port + "-:22";
        String said = hmp(qmp, command);
        if (!said.isEmpty()) throw new IllegalStateException("QEMU refused `" + command + "`: " + said);
    }

    /** QMP has no command for the user network's forwards: the human monitor's, which answers (errors too) in text. */
    private static String hmp(QmpClient qmp, String command) {
        return qmp.execute("human-monitor-command", Map.of("command-line", command)).asText("").strip();
    }

    /**
     * The shell step that comes first in the claimed clone's onRestore: the kept NIC (found by the process's MAC,
     * {@code was}) takes the clone's MAC, {@code mac}, the one its vm.json and QEMU's receive filter then have; its
     * permanent MAC stays the process's (onRestore is told INGOT_NIC0_KEPT and leaves the NIC's set-up alone). With
     * arp_notify the guest's kernel sends a gratuitous ARP as the MAC changes, with the address still there: QEMU's
     * user network, which still has the process's MAC for it, would otherwise send the first login's SYN where the NIC
     * no longer takes it. Fails when no NIC has the process's MAC: the clone would otherwise run with a MAC its files
     * and QEMU do not know.
     */
    static String macChange(String was, String mac) {
        if (!MAC.matcher(was).matches() || !MAC.matcher(mac).matches()) throw new IllegalArgumentException("not a MAC address: " + was + " / " + mac);
        return "k=; for l in /sys/class/net/*; do read -r x < $l/address || continue; if [ \"$x\" = " + was
                + " ]; then n=${l##*/}; k=1; { echo 1 > /proc/sys/net/ipv4/conf/$n/arp_notify; } 2>/dev/null || true;"
                + " ip link set dev \"$n\" address " + mac + "; fi; done;"
                + " [ -n \"$k\" ] || { echo \"no NIC has the warm pool process's MAC " + was + "\" >&2; exit 1; }";
    }

    /**
     * Makes the ready process's disk and seed the clone's: the clone's seed ISO written over the process's (padded to
     * the size the guest saw), its disk overlay replaced by the process's, whose backing file name is first set to
     * what the clone's own overlay says (relative to the clone's directory). The clone's fresh overlay is kept in the
     * claimed directory until {@link #giveBack}. Nothing of the clone changes when it fails before the disk.
     */
    static void handOver(QmpClient qmp, WarmPool.Claimed claimed, VmConfig vm) {
        Path dir = claimed.dir();
        Path cloneDisk = Path.of(vm.disk().path());
        Path kept = dir.resolve(KEPT_DISK);
        try {
            byte[] iso = Files.readAllBytes(Path.of(vm.seed()));
            Path seed = dir.resolve(SEED);
            long room = Files.size(seed);
            if (iso.length > room) throw new IllegalStateException("the seed of " + vm.name() + " is larger than a warm pool process's");
            String backing = backingFileName(cloneDisk);
            try (FileChannel ch = FileChannel.open(seed, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(Arrays.copyOf(iso, (int) room));
                while (b.hasRemaining()) ch.write(b, b.position());
            }
            Files.move(seed, Path.of(vm.seed()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            String node = diskNode(qmp, claimed.slot().disk());
            qmp.execute("change-backing-file", Map.of("device", node, "image-node-name", node, "backing-file", backing));
            Files.createLink(kept, cloneDisk);
            Files.move(dir.resolve(DISK), cloneDisk, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            giveBack(claimed, vm);
            throw new UncheckedIOException("cannot hand warm pool process " + claimed.slot().id() + " to " + vm.name() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            giveBack(claimed, vm);
            throw e;
        }
    }

    /** Puts the clone's fresh overlay back (a claim that failed: the clone then resumes the usual way). */
    static void giveBack(WarmPool.Claimed claimed, VmConfig vm) {
        Path kept = claimed.dir().resolve(KEPT_DISK);
        try {
            if (Files.exists(kept)) Files.move(kept, Path.of(vm.disk().path()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot put back the disk of " + vm.name() + ": " + e.getMessage(), e);
        }
    }

    /** The root block node QEMU opened {@code file} as (the disk given on the command line). */
    private static String diskNode(QmpClient qmp, String file) {
        for (JsonNode b : qmp.execute("query-block")) {
            JsonNode inserted = b.path("inserted");
            if (file.equals(inserted.path("file").asText())) return inserted.path("node-name").asText();
        }
        throw new IllegalStateException("the warm pool process has no disk " + file);
    }

    /** The backing file name in a qcow2 image's header (offset and length at bytes 8 and 16, big-endian). */
    static String backingFileName(Path qcow2) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(qcow2.toFile(), "r")) {
            f.seek(8);
            long offset = f.readLong();
            int length = f.readInt();
            if (offset <= 0 || length <= 0 || length > 1023) throw new IOException(qcow2 + " has no backing file name");
            byte[] name = new byte[length];
            f.seek(offset);
            f.readFully(name);
            return new String(name, StandardCharsets.UTF_8);
        }
    }
}
