package io.ingot.vm;

import io.ingot.guest.BuildKey;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.QemuProcess;
import io.ingot.qemu.QmpClient;
import io.ingot.qemu.RunRecord;
import io.ingot.qemu.RunRegistry;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.PausePoint;
import io.ingot.util.Trees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The warm pool of memory clones ({@code ingot start NAME --pool N}): QEMU processes spawned ahead of
 * time for one RAM template, already mapping its memory file and waiting with {@code -incoming defer}.
 * A memory clone that claims one only plugs in its disk and seed, loads the device state and continues; for a
 * template with a guest agent the process is made ready before any claim instead ({@link PoolWarmup}: resumed,
 * warmed up, waiting for the clone's NIC and identity).
 * Each waiting process is a directory {@code images/.ingot/pool/ID/} holding {@code slot.json}; a claim
 * renames that directory first, so two starts can never take the same process.
 */
public final class WarmPool {
    /** The PCI slots {@code -drive if=virtio} gives a memory clone's disk and seed (QEMU runs with -nodefaults). */
    static final String DISK_SLOT = "0x2";
    static final String SEED_SLOT = "0x3";
    private static final String SLOT_FILE = "slot.json";
    private static final String CLAIMED = ".claimed";
    private static final Duration STOP_GRACE = Duration.ofSeconds(3);

    /**
     * One waiting process and what it can resume: the memory file, the RAM template's compatibility key
     * and the accelerator it was started with. {@code orphaned}: its filler was killed before writing slot.json;
     * known from the run registry, it is listed and drained but never claimed.
     */
    public record Slot(String id, String template, String memoryFile, String compatibility, String accelerator,
                       long pid, String start, String qemu, String qmpSocket, String vmgenid, Instant created,
                       boolean orphaned, String disk, String backing, String nicMac) {
        /** A process that waits with {@code -incoming defer}. */
        public Slot(String id, String template, String memoryFile, String compatibility, String accelerator, long pid,
                    String start, String qemu, String qmpSocket, String vmgenid, Instant created, boolean orphaned) {
            this(id, template, memoryFile, compatibility, accelerator, pid, start, qemu, qmpSocket, vmgenid, created, orphaned, null, null, null);
        }

        /**
         * Made ready before its claim ({@link PoolWarmup}): its guest runs on its own {@code disk}, an overlay on
         * {@code backing} (the capture overlay, absolute), with its own seed, and its NIC on the user network still
         * plugged with MAC {@code nicMac} (null: a process made ready by an older ingot, whose NIC was unplugged);
         * else it waits for its device state.
         */
        public boolean ready() { return disk != null; }

        /** The live QEMU of this slot, if the PID still belongs to it. */
        public Optional<ProcessHandle> process() {
            return QemuProcess.running(pid, start);
        }

        boolean fits(VmConfig vm, String accel) {
            return !orphaned && memoryFile.equals(vm.ram().memoryFile()) && compatibility.equals(vm.ram().compatibility().key())
                    && accelerator.equals(accel) && (!ready() || PoolWarmup.fits(this, vm));
        }
    }

    /** A process taken out of the pool: its directory has been renamed, nobody else will claim it. */
    public static final class Claimed {
        private final Slot slot;
        private final Path dir;
        private final long claimedAt;

        private Claimed(Slot slot, Path dir, long claimedAt) {
            this.slot = slot;
            this.dir = dir;
            this.claimedAt = claimedAt;
        }

        public Slot slot() { return slot; }

        /** Its directory, renamed for the claim. */
        Path dir() { return dir; }

        /** {@link System#nanoTime()} when the claim began: a pooled clone's start is timed from here. */
        public long claimedAt() { return claimedAt; }

        /**
         * Takes charge of the waiting QEMU under the clone's process name ({@code name}), so that it is found by the
         * clone's name if this process is killed before the clone is recorded as running: QMP connected, killed if
         * this JVM ends before detaching it.
         */
        QemuProcess adopt(String name, Path runDir, Duration timeout) {
            ProcessHandle h = slot.process().orElseThrow(() -> new IllegalStateException("warm pool process " + slot.id() + " is gone"));
            QemuCommand cmd = new QemuCommand(name, List.of(slot.qemu()), Path.of(slot.qmpSocket()),
                    dir.resolve("serial.log"), dir.resolve("qemu.pid"));
            return QemuProcess.adopt(h, cmd, QemuProcess.logFile(dir, processName(slot.id())), runDir, timeout);
        }

        /** Moves the process's serial console and QEMU log into the clone's directory (QEMU keeps writing to them). */
        Path moveLogsTo(Path logDir) {
            try {
                Path serial = logDir.resolve("serial.log");
                Files.move(dir.resolve("serial.log"), serial, StandardCopyOption.REPLACE_EXISTING);
                Path log = QemuProcess.logFile(dir, processName(slot.id()));
                if (Files.exists(log)) Files.move(log, logDir.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                Trees.deleteQuietly(dir);
                return serial;
            } catch (IOException e) {
                return dir.resolve("serial.log"); // still readable where it is
            }
        }

        /** Forgets the claimed directory (its process has been stopped by the caller). */
        void release() {
            Trees.deleteQuietly(dir);
        }

        /** Stops the claimed process by its PID (it was never adopted) and forgets it. */
        void discard() {
            stopWaiting(slot);
            Trees.deleteQuietly(dir);
        }
    }

    private final Path dir;
    private final Path sockets;
    private final RunRegistry registry;

    /** The pool of an image store: images/.ingot/pool, QMP sockets beside the clones' in images/.ingot/qmp. */
    public static WarmPool of(IngotPaths paths) {
        return new WarmPool(paths.state().resolve("pool"), paths.state().resolve("qmp"), paths.state().resolve("run"));
    }

    /** {@code dir}: the pool's directory (images/.ingot/pool); {@code sockets}: where QMP sockets go (short paths). */
    public WarmPool(Path dir, Path sockets) {
        this(dir, sockets, dir.resolveSibling("run"));
    }

    /** {@code runDir}: the QEMU run registry, where a process being filled is recorded before its slot.json exists. */
    public WarmPool(Path dir, Path sockets, Path runDir) {
        this.dir = dir;
        this.sockets = sockets;
        this.registry = new RunRegistry(runDir);
    }

    /** The waiting processes, oldest first; slots whose process is gone are removed on the way. */
    public List<Slot> list() {
        List<Slot> slots = new ArrayList<>();
        if (!Files.isDirectory(dir)) return slots;
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                Optional<Slot> slot = read(d);
                if (name.endsWith(CLAIMED)) {
                    // a claim in progress, or one whose claimer died: only the latter is ours to clear
                    if (slot.isEmpty() || slot.get().process().isEmpty()) Trees.deleteQuietly(d);
                    continue;
                }
                if (slot.isPresent() && slot.get().process().isPresent()) {
                    slots.add(slot.get());
                    continue;
                }
                Optional<RunRecord> filling = slot.isPresent() ? Optional.empty() : registry.find(processName(name));
                if (filling.isPresent() && RunRegistry.ownerAlive(filling.get())) continue; // being filled right now
                Optional<Slot> orphan = filling.flatMap(r -> orphan(name, d, r));
                if (orphan.isPresent()) {
                    slots.add(orphan.get());
                } else if (slot.isPresent() || filling.isPresent() || olderThan(d, Duration.ofMinutes(1))) {
                    // dead process, or a slot whose filler died before starting QEMU
                    slot.ifPresent(WarmPool::forgetSockets);
                    filling.ifPresent(registry::stop);
                    Trees.deleteQuietly(d);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the warm pool " + dir + ": " + e.getMessage(), e);
        }
        slots.sort(Comparator.comparing(Slot::created));
        return slots;
    }

    /**
     * A process whose filler was killed after starting it but before writing its slot.json: it runs on, recorded
     * only in the run registry. Its template and accelerator are read back from its command line.
     */
    private static Optional<Slot> orphan(String id, Path slotDir, RunRecord r) {
        return RunRegistry.qemuOf(r).map(h -> {
            String memory = "", accel = "";
            for (String arg : r.commandLine()) {
                for (String part : arg.split(",")) {
                    if (part.startsWith("mem-path=")) memory = part.substring("mem-path=".length());
                    if (part.startsWith("accel=")) accel = part.substring("accel=".length());
                }
            }
            Path version = memory.isEmpty() ? null : Path.of(memory).getParent().getParent();
            String template = version == null ? "?" : version.getParent().getFileName() + ":" + version.getFileName();
            Instant created;
            try {
                created = Files.getLastModifiedTime(slotDir).toInstant();
            } catch (IOException e) {
                created = Instant.now();
            }
            return new Slot(id, template, memory, "", accel, r.pid(), r.start(), r.command(), r.qmpSocket(), null, created, true);
        });
    }

    /** The waiting processes that can resume {@code vm}. */
    public List<Slot> waiting(VmConfig vm, String accelerator) {
        return list().stream().filter(s -> s.fits(vm, accelerator)).toList();
    }

    /** Takes a waiting process that can resume {@code vm}, if there is one. */
    public Optional<Claimed> claim(VmConfig vm, String accelerator) {
        long t0 = System.nanoTime();
        for (Slot s : waiting(vm, accelerator)) {
            Path claimed = dir.resolve(s.id() + CLAIMED);
            try {
                Files.move(dir.resolve(s.id()), claimed, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                continue; // another start took it first
            }
            return Optional.of(new Claimed(s, claimed, t0));
        }
        return Optional.empty();
    }

    /**
     * Spawns waiting processes for {@code vm}'s RAM template until {@code size} wait; each runs in a session
     * of its own and outlives this JVM. Returns how many were started.
     */
    public int fill(CloneRunner runner, VmConfig vm, int size, Path runDir) throws IOException {
        return fill(runner, vm, size, runDir, null);
    }

    /**
     * As above; with {@code access} (ingot's access key) and a template {@link PoolWarmup} can serve, each process is
     * made ready for its claim before this returns (a few seconds each under emulation) instead of waiting for its
     * device state.
     */
    public int fill(CloneRunner runner, VmConfig vm, int size, Path runDir, BuildKey access) throws IOException {
        boolean ready = access != null && PoolWarmup.canPrepare(vm);
        int started = 0;
        for (int n = waiting(vm, runner.acceleratorName()).size(); n < size; n++) {
            String id = UUID.randomUUID().toString().substring(0, 8);
            Path slotDir = dir.resolve(id);
            Files.createDirectories(slotDir);
            Files.createDirectories(sockets);
            if (ready) {
                fillReady(runner, vm, id, slotDir, access);
                started++;
                continue;
            }
            UUID vmgenid = UUID.randomUUID();
            QemuCommand cmd = CloneRunner.inOwnSession(runner.incoming(processName(id), vm, slotDir, sockets.resolve("pool-" + id + ".qga"), null)
                    .vmgenid(vmgenid)
                    .serialLog(slotDir.resolve("serial.log"))
                    .serialConsole(CloneRunner.consoleSocket(sockets.resolve("pool-" + id + ".qmp")))
                    .qmp(sockets.resolve("pool-" + id + ".qmp"))
                    .pidFile(slotDir.resolve("qemu.pid"))
                    .build());
            QemuProcess p = QemuProcess.start(cmd, slotDir, runDir, Duration.ofSeconds(30));
            register(p, slotDir, () -> new Slot(id, vm.template(), vm.ram().memoryFile(), vm.ram().compatibility().key(),
                    runner.acceleratorName(), p.pid(), p.startTime().orElse(null), runner.qemuBinary(),
                    cmd.qmpSocket().toString(), vmgenid.toString(), Instant.now(), false));
            started++;
        }
        return started;
    }

    private void fillReady(CloneRunner runner, VmConfig vm, String id, Path slotDir, BuildKey access) throws IOException {
        CloneRunner.Running r;
        try {
            r = PoolWarmup.prepare(runner, vm, id, processName(id), slotDir, sockets, access);
        } catch (IOException | RuntimeException e) {
            Trees.deleteQuietly(slotDir);
            throw e;
        }
        QemuProcess p = r.process();
        register(p, slotDir, () -> new Slot(id, vm.template(), vm.ram().memoryFile(), vm.ram().compatibility().key(),
                runner.acceleratorName(), p.pid(), p.startTime().orElse(null), runner.qemuBinary(),
                p.command().qmpSocket().toString(), r.vm().vmgenid(), Instant.now(), false,
                slotDir.resolve(PoolWarmup.DISK).toString(), vm.disk().backing(), r.vm().nics().get(0).mac()));
    }

    /** Writes the started process's slot.json and lets it outlive this command; on failure it is stopped and its folder removed. */
    private static void register(QemuProcess p, Path slotDir, Supplier<Slot> slot) throws IOException {
        try {
            writeSlot(slotDir, slot.get());
        } catch (IOException | RuntimeException e) {
            p.stop(Duration.ofSeconds(2));
            Trees.deleteQuietly(slotDir);
            throw e;
        }
        p.detach();
    }

    private static void writeSlot(Path slotDir, Slot slot) throws IOException {
        PausePoint.at("pool:before-slot");
        Path tmp = slotDir.resolve(SLOT_FILE + ".tmp");
        Json.PRETTY.writeValue(tmp.toFile(), slot);
        Files.move(tmp, slotDir.resolve(SLOT_FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Stops the waiting processes that {@code which} selects (by PID, after QMP quit); returns how many. */
    public int drain(Predicate<Slot> which) {
        int stopped = 0;
        for (Slot s : list()) {
            if (!which.test(s)) continue;
            Path claimed = dir.resolve(s.id() + CLAIMED);
            try {
                Files.move(dir.resolve(s.id()), claimed, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                continue; // claimed meanwhile: it is a clone now
            }
            if (s.orphaned()) registry.find(processName(s.id())).ifPresent(registry::stop);
            else stopWaiting(s);
            Trees.deleteQuietly(claimed);
            stopped++;
        }
        return stopped;
    }

    /** QMP quit, then signals to the slot's PID (only while it is still the same process). */
    private static void stopWaiting(Slot s) {
        s.process().ifPresent(h -> {
            boolean quit = false;
            try (QmpClient qmp = QmpClient.connect(Path.of(s.qmpSocket()))) {
                qmp.quit();
                quit = true;
            } catch (IOException | RuntimeException e) {
                // no QMP: the signal below
            }
            if (!quit || !QemuProcess.waitGone(h, STOP_GRACE)) QemuProcess.terminate(h, STOP_GRACE, STOP_GRACE);
        });
        forgetSockets(s);
    }

    /** A stopped process's sockets: QEMU removes them as it quits, but not when it is killed. */
    private static void forgetSockets(Slot s) {
        deleteQuietly(Path.of(s.qmpSocket()));
        deleteQuietly(CloneRunner.consoleSocket(Path.of(s.qmpSocket())));
    }

    static String processName(String slotId) {
        return "ingot-pool-" + slotId;
    }

    private static Optional<Slot> read(Path slotDir) {
        Path f = slotDir.resolve(SLOT_FILE);
        try {
            return Files.exists(f) ? Optional.of(Json.MAPPER.readValue(f.toFile(), Slot.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean olderThan(Path p, Duration age) {
        try {
            return Files.getLastModifiedTime(p).toInstant().isBefore(Instant.now().minus(age));
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }

}
