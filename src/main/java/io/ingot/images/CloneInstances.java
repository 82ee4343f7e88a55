package io.ingot.images;

import io.ingot.catalog.CloneRecord;
import io.ingot.guest.BuildKey;
import io.ingot.network.NetworksFile;
import io.ingot.network.TapDevices;
import io.ingot.qemu.Accelerator;
import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuInstallation;
import io.ingot.qemu.QemuProcess;
import io.ingot.qemu.QmpClient;
import io.ingot.qemu.RunRecord;
import io.ingot.qemu.RunRegistry;
import io.ingot.server.PortAllocator;
import io.ingot.storage.CloneFiles;
import io.ingot.util.PausePoint;
import io.ingot.util.UserError;
import io.ingot.vm.CloneRunner;
import io.ingot.vm.HostKeys;
import io.ingot.vm.IdentityRefresh;
import io.ingot.vm.RunningClone;
import io.ingot.vm.SeedBuilder;
import io.ingot.vm.VmConfig;
import io.ingot.vm.WarmPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Starts clones in the background ({@code ingot start}) and stops them ({@code ingot stop}). A started
 * clone's QEMU outlives the CLI: it runs in its own session and is found again through {@code run.json}.
 */
public final class CloneInstances {
    /** In a memory clone's directory once it was resumed: later starts boot it from its disk. */
    static final String RESUMED_MARK = "resumed";
    private static final Logger LOG = LoggerFactory.getLogger(CloneInstances.class);
    private final ImageStore store;

    public CloneInstances(ImageStore store) { this.store = store; }

    public RunningClone start(String name) throws IOException {
        return start(name, false);
    }

    /**
     * Starts a clone in the background. A memory clone resumes from its RAM template and gets its own
     * identity (onRestore) before this returns, unless {@code cold}, which boots it from its disk.
     */
    public RunningClone start(String name, boolean cold) throws IOException {
        return start(name, cold, 0);
    }

    /**
     * As {@link #start(String, boolean)}; a memory clone takes a waiting process from the warm pool when
     * one fits, and afterwards, with {@code poolSize > 0}, the pool is topped up to that many waiting
     * processes for its RAM template.
     */
    public RunningClone start(String name, boolean cold, int poolSize) throws IOException {
        CloneRecord clone = store.catalog().clone(name).orElseThrow(() -> notAClone(name));
        Path dir = cloneDir(clone);
        Optional<RunningClone> running = RunningClone.read(dir);
        if (running.isPresent()) {
            throw new UserError("clone '" + name + "' is already running (pid " + running.get().pid() + ")");
        }
        stopInterrupted(name).ifPresent(pid -> LOG.info("stopped QEMU pid {}, left by an interrupted start of {}", pid, name));
        VmConfig vm = VmConfig.read(dir.resolve(VmConfig.FILE_NAME));
        QemuInstallation qemu = QemuInstallation.detect();
        var accel = AcceleratorProbe.forIngot(qemu, store.paths()).auto();
        Path sockets = store.paths().state().resolve("qmp");
        Files.createDirectories(sockets);
        CloneRunner runner = runner(qemu, accel);
        // a memory clone resumes from its RAM template once: after it ran, its disk has moved on from the
        // disk state the RAM was captured with, and resuming that memory over it would corrupt its file systems
        boolean ranBefore = Files.exists(dir.resolve(RESUMED_MARK));
        boolean resume = vm.isMemoryClone() && !cold && !ranBefore;
        if (vm.isMemoryClone() && !cold && ranBefore) {
            LOG.warn("{} ran before: its disk has moved on from its RAM template, so it boots from its disk (resume needs a new memory clone)", name);
        }
        if (poolSize > 0 && !resume) {
            throw new UserError(ranBefore ? "--pool is for memory clones resumed from a RAM template; " + name
                    + " ran before and now boots from its disk (make a new memory clone to resume one)"
                    : "--pool is for memory clones resumed from a RAM template");
        }
        WarmPool pool = pool();
        CloneRunner.Running r = null;
        boolean pooled = false;
        if (resume) {
            Files.writeString(dir.resolve(RESUMED_MARK), java.time.Instant.now() + "\n");
            Optional<WarmPool.Claimed> claimed = pool.claim(vm, accel.name());
            if (claimed.isPresent()) {
                try {
                    r = runner.resumeClaimed(vm, claimed.get(), dir);
                    pooled = true;
                } catch (RuntimeException e) {
                    // that process did not fit after all (it is stopped): resume the usual way
                    LOG.warn("warm pool process {} could not resume {}: {}", claimed.get().slot().id(), name, e.getMessage());
                }
            }
            if (r == null) r = runner.resume(vm, dir, sockets, true);
        } else {
            r = runner.startDetached(vm, dir, sockets);
        }
        QemuProcess p = r.process();
        String hostKey = null;
        try {
            if (resume) {
                // onRestore's own lines stay quiet; a wait that says why it is slow reaches the terminal
                hostKey = IdentityRefresh.refresh(r, BuildKey.load(store.accessKey().privateKeyPath()).keyPair(),
                        Duration.ofMinutes(2), IdentityRefresh.noticesOnly(LOG::warn));
            }
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
        int sshPort = vm.userNic().isPresent() ? r.sshPort() : 0;
        RunningClone record = new RunningClone(name, p.pid(), p.startTime().orElse(null), sshPort,
                p.command().qmpSocket().toString(), r.serialLog().toString(), accel.name(),
                pooled ? "pool" : resume ? "resumed" : "booted", r.resumedAfter() == null ? null : r.resumedAfter().toMillis(), hostKey,
                addresses().of(vm, sshPort), r.consoleSocket().toString());
        if (pooled) r.vm().write(dir.resolve(VmConfig.FILE_NAME)); // it runs with the pool process's vmgenid
        PausePoint.at("start:before-record");
        // run.json first, then the run registry's record goes: killed in between, both name the QEMU
        record.write(dir);
        p.detach();
        r.lease().close(); // QEMU itself now holds the port
        if (poolSize > 0) pool.fill(runner, vm, poolSize, store.paths().state().resolve("run"), BuildKey.load(store.accessKey().privateKeyPath()));
        return record;
    }

    /**
     * Tops the warm pool up to {@code size} processes waiting for the RAM template of {@code source}
     * (NAME, NAME:VERSION or NAME@CHANNEL) on {@code storage} (null: where the version lives first),
     * without starting a clone. Returns how many it started.
     */
    public int fillPool(String source, String storage, int size) throws IOException {
        VmConfig prototype = store.clones().memoryClonePrototype(source, storage);
        QemuInstallation qemu = QemuInstallation.detect();
        var accel = AcceleratorProbe.forIngot(qemu, store.paths()).auto();
        return pool().fill(runner(qemu, accel), prototype, size, store.paths().state().resolve("run"),
                BuildKey.load(store.accessKey().privateKeyPath()));
    }

    private CloneRunner runner(QemuInstallation qemu, Accelerator accel) {
        return new CloneRunner(qemu, accel, new PortAllocator(store.paths().state().resolve("ports")), runDir(),
                NetworksFile.load(store.paths().images()), new TapDevices());
    }

    private CloneAddresses addresses() {
        return CloneAddresses.of(store.paths().images());
    }

    private Path runDir() {
        return store.paths().state().resolve("run");
    }

    /** The warm pool of this image store: images/.ingot/pool. */
    public WarmPool pool() {
        return WarmPool.of(store.paths());
    }

    /**
     * Stops the QEMU an interrupted {@code ingot start} (or {@code --pool} claim) of this clone left running: it is
     * recorded in the run registry under the clone's name, and its ingot process is gone. Refused while that process
     * still runs. Returns the PID stopped.
     */
    public Optional<Long> stopInterrupted(String name) {
        RunRegistry registry = new RunRegistry(runDir());
        Optional<RunRecord> rec = registry.find(CloneRunner.processName(name));
        if (rec.isEmpty()) return Optional.empty();
        if (RunRegistry.ownerAlive(rec.get())) {
            throw new UserError("clone '" + name + "' is being started by process " + rec.get().ownerPid());
        }
        return registry.stop(rec.get()) ? Optional.of(rec.get().pid()) : Optional.empty();
    }

    /**
     * Removes a clone: refused while it runs; the QEMU of an interrupted start is stopped first. A clone an
     * interrupted {@code ingot clone} left half-made (never recorded) is removed too. Returns what was removed.
     */
    public String remove(String name) throws IOException {
        if (store.catalog().clone(name).isEmpty() && store.clones().removeHalfMade(name)) {
            return "removed " + name + ", a clone an interrupted 'ingot clone' left half-made";
        }
        Optional<Long> stopped = store.catalog().clone(name).isPresent() ? stopInterrupted(name) : Optional.empty();
        store.clones().remove(name);
        return "removed clone " + name + stopped.map(pid -> " (stopped QEMU pid " + pid + ", left by an interrupted start)").orElse("");
    }

    /** Stops a running clone: ACPI power-down first, then QMP quit, then signals to its PID. */
    public boolean stop(String name, Duration grace) throws IOException {
        CloneRecord clone = store.catalog().clone(name).orElseThrow(() -> notAClone(name));
        Path dir = cloneDir(clone);
        Optional<RunningClone> running = RunningClone.read(dir);
        if (running.isEmpty()) return stopInterrupted(name).isPresent();
        RunningClone r = running.get();
        ProcessHandle h = r.process().orElseThrow();
        try (QmpClient qmp = QmpClient.connect(Path.of(r.qmpSocket()))) {
            qmp.systemPowerdown();
            if (!QemuProcess.waitGone(h, grace)) qmp.quit();
        } catch (IOException | RuntimeException e) {
            // no QMP: signals below
        }
        if (!QemuProcess.waitGone(h, Duration.ofSeconds(5))) QemuProcess.terminate(h, Duration.ofSeconds(5), Duration.ofSeconds(5));
        Files.deleteIfExists(dir.resolve(RunningClone.FILE_NAME));
        Files.deleteIfExists(Path.of(r.qmpSocket()));
        if (r.consoleSocket() != null) Files.deleteIfExists(Path.of(r.consoleSocket()));
        return true;
    }

    public Optional<RunningClone> status(String name) throws IOException {
        CloneRecord clone = store.catalog().clone(name).orElseThrow(() -> notAClone(name));
        return RunningClone.read(cloneDir(clone));
    }

    /** How to log in to a running clone: its SSH host and port, ingot's access key, and a known_hosts file with its host keys. */
    public record Login(String host, int port, Path accessKey, Path knownHosts) { }

    /**
     * What {@code ingot ssh} needs for {@code name}, which must be running: the host keys are the ones ingot made for
     * the clone (in its seed; a memory clone's onRestore installs them too), so nothing else is trusted.
     */
    public Login login(String name) throws IOException {
        CloneRecord clone = store.catalog().clone(name).orElseThrow(() -> notAClone(name));
        Path dir = cloneDir(clone);
        RunningClone r = RunningClone.read(dir).orElseThrow(() -> new UserError("clone '" + name
                + "' is not running; start it: ingot start " + name));
        HostKeys keys = SeedBuilder.hostKeys(dir.resolve("seed").resolve("user-data")).orElseThrow(() -> new UserError(
                "clone '" + name + "' has no host keys made by ingot in its seed, so its host key cannot be checked"));
        CloneAddresses.Target at = addresses().loginTarget(VmConfig.read(dir.resolve(VmConfig.FILE_NAME)), r.sshPort());
        Path knownHosts = dir.resolve("known_hosts");
        StringBuilder lines = new StringBuilder();
        String host = at.port() == 22 ? at.host() : "[" + at.host() + "]:" + at.port();
        for (HostKeys.HostKey k : keys.keys()) lines.append(host).append(' ').append(k.publicKey()).append('\n');
        Files.writeString(knownHosts, lines);
        return new Login(at.host(), at.port(), store.accessKey().privateKeyPath(), knownHosts);
    }

    /** Where {@code ingot console} attaches: the clone's serial console socket, and the lock one client holds on it. */
    public record Console(Path socket, Path lock) { }

    /** The serial console of {@code name}, which must be running (with a console: clones started by this ingot are). */
    public Console console(String name) throws IOException {
        CloneRecord clone = store.catalog().clone(name).orElseThrow(() -> notAClone(name));
        Path dir = cloneDir(clone);
        RunningClone r = RunningClone.read(dir).orElseThrow(() -> new UserError("clone '" + name
                + "' is not running; start it: ingot start " + name));
        if (r.consoleSocket() == null || !Files.exists(Path.of(r.consoleSocket()))) {
            throw new UserError("clone '" + name + "' runs without a serial console socket (started by an older ingot);"
                    + " its serial log is " + r.serialLog() + ", or restart it: ingot stop " + name + " && ingot start " + name);
        }
        return new Console(Path.of(r.consoleSocket()), dir.resolve("console.lock"));
    }

    private Path cloneDir(CloneRecord clone) {
        return store.storages().get(clone.storage()).locateClone(clone.name()).map(CloneFiles::dir)
                .orElseThrow(() -> new UserError("clone '" + clone.name() + "' is in the catalog but its files are missing"
                        + " on storage '" + clone.storage() + "'"));
    }

    private UserError notAClone(String name) {
        boolean isTemplate = !store.catalog().versions(name).isEmpty();
        if (isTemplate) {
            return new UserError("'" + name + "' is a template; templates are never started (make a clone: ingot clone "
                    + name + " NAME --linked)");
        }
        return new UserError("no clone named '" + name + "' (see: ingot clones)");
    }
}
