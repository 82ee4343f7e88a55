package io.ingot.bench;

import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneSettings;
import io.ingot.network.AddressPlan;
import io.ingot.network.NetworksFile;
import io.ingot.network.NicRequest;
import io.ingot.network.TapDevices;
import io.ingot.images.ImageStore;
import io.ingot.qemu.Accelerator;
import io.ingot.qemu.QemuInstallation;
import io.ingot.server.PortAllocator;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import io.ingot.vm.CloneRunner;
import io.ingot.vm.IdentityRefresh;
import io.ingot.vm.VmConfig;
import io.ingot.vm.WarmPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code ingot bench ram}: on one template, cold boots of linked clones against memory clones, and the
 * memory of several running at once. Timers start just before QEMU is spawned; "to cont" stops when
 * QMP {@code cont} returns; "to SSH" stops when an SSH login answers (for memory clones: when what
 * {@code ingot start} runs, {@link IdentityRefresh#refresh}, returned: onRestore installed the host keys ingot made,
 * which a pinned connection then proves after the timer; for a recipe that makes its own keys, once a fresh
 * connection showed the new key). PSS is summed from /proc/PID/smaps_rollup.
 */
public final class RamBenchmark {
    /** A cold boot of Debian under TCG on a loaded machine (load 16 on 2 cores) takes more than 3 minutes. */
    private static final Duration SSH_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration POOL_SETTLE = Duration.ofMillis(300);

    /**
     * How long n cold boots started at once may take to answer: the 10 minutes of one, and a minute more for each
     * beyond the first (ten emulated Debian first boots on 2 cores took 9.5 minutes on a quiet machine).
     */
    static Duration coldWait(int n) {
        return SSH_TIMEOUT.plusMinutes(Math.max(0, n - 1));
    }

    private final ImageStore store;
    private final Accelerator accelerator;
    private final Consumer<String> progress;

    public RamBenchmark(ImageStore store, Accelerator accelerator, Consumer<String> progress) {
        this.store = store;
        this.accelerator = accelerator;
        this.progress = progress;
    }

    public Map<String, Object> run(String source, int count, List<Integer> concurrency) throws Exception {
        return run(source, count, concurrency, null);
    }

    /**
     * As {@link #run(String, int, List)}; with {@code network} (a network of networks.yaml with a pool), memory clones
     * with a NIC on its bridge too, timed to SSH with identity and to their first SSH answer at their bridge address.
     */
    public Map<String, Object> run(String source, int count, List<Integer> concurrency, String network) throws Exception {
        return run(source, count, concurrency, network, 0);
    }

    /** As above, with {@code load} busy loops running beside it all along ({@code --load}). */
    public Map<String, Object> run(String source, int count, List<Integer> concurrency, String network, int load) throws Exception {
        if (load < 0) throw new UserError("--load must be 0 or more");
        List<Double> before = BusyLoad.average();
        try (BusyLoad busy = BusyLoad.start(load)) {
            Map<String, Object> result = measure(source, count, concurrency, network);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("busyLoops", busy.size());
            out.put("loadAverageBefore", before);
            out.put("loadAverageAfter", BusyLoad.average());
            out.putAll(result);
            return out;
        }
    }

    private Map<String, Object> measure(String source, int count, List<Integer> concurrency, String network) throws Exception {
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse(source));
        if (v.manifest().ram() == null) throw new UserError(v.ref() + " has no RAM template (template.ram: true)");
        NetworksFile networks = NetworksFile.load(store.paths().images());
        if (network != null && networks.get(network, "--net").pool() == null) {
            throw new UserError("--net " + network + ": the benchmark needs a network with a pool (its clones' addresses must be known)");
        }
        QemuInstallation qemu = QemuInstallation.detect();
        CloneRunner runner = new CloneRunner(qemu, accelerator, new PortAllocator(store.paths().state().resolve("ports")),
                store.paths().state().resolve("run"), networks, new TapDevices());
        BuildKey accessKey = BuildKey.load(store.accessKey().privateKeyPath());
        KeyPair access = accessKey.keyPair();
        Path sockets = Files.createTempDirectory("ingot-bench-");
        Path runDir = store.paths().state().resolve("run");
        // a pool of its own: the benchmark neither takes nor drains the processes a user keeps waiting
        Path poolDir = store.paths().state().resolve("pool-bench-" + ProcessHandle.current().pid());
        WarmPool pool = new WarmPool(poolDir, sockets);
        String prefix = "benchram-" + ProcessHandle.current().pid() + "-";
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("template", v.ref());
        result.put("accelerator", accelerator.name());
        result.put("qemu", qemu.version().toString());
        result.put("count", count);
        result.put("onRestoreByAgent", io.ingot.template.Devices.agent(v.manifest().devices()));
        List<String> made = new ArrayList<>();
        try {
            List<Double> coldSsh = new ArrayList<>();
            List<Double> memCont = new ArrayList<>(), memFirstSsh = new ArrayList<>(), memSsh = new ArrayList<>();
            List<Double> bridgedSsh = new ArrayList<>(), bridgedAddress = new ArrayList<>();
            Map<String, List<Double>> memPhases = new LinkedHashMap<>(), poolPhases = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                progress.accept("cold boot " + (i + 1) + "/" + count);
                VmConfig cold = clone(v, prefix + "cold-" + i, false, made);
                long t0 = System.nanoTime();
                try (CloneRunner.Running r = runner.start(cold, dirOf(cold), sockets);
                     SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", r.sshPort(), "root", access, SSH_TIMEOUT)) {
                    coldSsh.add(ms(t0));
                }
                progress.accept("memory clone " + (i + 1) + "/" + count);
                VmConfig mem = clone(v, prefix + "mem-" + i, true, made);
                t0 = System.nanoTime();
                try (CloneRunner.Running r = runner.resume(mem, dirOf(mem), sockets, false)) {
                    memCont.add(r.resumedAfter().toNanos() / 1e6);
                    double[] identity = refreshIdentity(r, access, t0, progress);
                    memFirstSsh.add(identity[0]);
                    memSsh.add(identity[1]);
                    addPhases(memPhases, r);
                }
                if (network != null) {
                    progress.accept("memory clone on " + network + " " + (i + 1) + "/" + count);
                    VmConfig bridged = store.clones().clone(v.ref(), prefix + "net-" + i, CloneOptions.memoryClone(List.of())
                            .with(CloneSettings.NONE.withNets(List.of(new NicRequest(network, null, null))))).vm();
                    made.add(bridged.name());
                    String address = AddressPlan.hostAddress(bridged.nics().get(1).address());
                    t0 = System.nanoTime();
                    try (CloneRunner.Running r = runner.resume(bridged, dirOf(bridged), sockets, false)) {
                        bridgedSsh.add(refreshIdentity(r, access, t0, progress)[1]);
                        awaitPort(address, SSH_TIMEOUT);
                        // reachable, and its host keys known: one login with no banner probes, as a user's ssh would
                        var known = IdentityRefresh.knownHostKeys(bridged);
                        SshLogin login = SshLogin.of(address, 22, "root", access, SSH_TIMEOUT);
                        try (SshCommunicator atAddress = SshCommunicator.connect(known.isPresent()
                                ? login.trusting(known.get().publicKeys()).first(SshLogin.FirstAttempt.REACHABLE) : login)) {
                            bridgedAddress.add(ms(t0));
                        }
                    }
                }
            }
            List<Double> poolCont = new ArrayList<>(), poolSsh = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                progress.accept("memory clone from the warm pool " + (i + 1) + "/" + count);
                VmConfig mem = clone(v, prefix + "pool-" + i, true, made);
                pool.fill(runner, mem, 1, runDir, accessKey);
                Thread.sleep(POOL_SETTLE.toMillis()); // a pool process waits idle until a start claims it
                long t0 = System.nanoTime();
                WarmPool.Claimed claimed = pool.claim(mem, accelerator.name())
                        .orElseThrow(() -> new IllegalStateException("the warm pool process just started is gone"));
                try (CloneRunner.Running r = runner.resumeClaimed(mem, claimed, dirOf(mem))) {
                    poolCont.add(r.resumedAfter().toNanos() / 1e6);
                    poolSsh.add(refreshIdentity(r, access, t0, progress)[1]);
                    addPhases(poolPhases, r);
                }
            }
            Stats cold = Stats.of(coldSsh), cont = Stats.of(memCont), first = Stats.of(memFirstSsh), ssh = Stats.of(memSsh);
            result.put("coldBootToSsh", cold);
            result.put("memoryToCont", cont);
            result.put("memoryToFirstSsh", first);
            result.put("memoryToSshWithIdentity", ssh);
            result.put("sshRatio", cold.p50Ms() / ssh.p50Ms());
            if (network != null) {
                result.put("network", network);
                result.put("bridgedToSshWithIdentity", Stats.of(bridgedSsh));
                result.put("bridgedToSshAtAddress", Stats.of(bridgedAddress));
            }
            result.put("poolToCont", Stats.of(poolCont));
            result.put("poolToSshWithIdentity", Stats.of(poolSsh));
            result.put("poolSshRatio", Stats.of(poolSsh).p50Ms() / ssh.p50Ms());
            result.put("memoryPhases", stats(memPhases));
            result.put("poolPhases", stats(poolPhases));

            List<Map<String, Object>> pss = new ArrayList<>();
            for (int n : concurrency) {
                progress.accept("PSS of " + n + " memory clones and of " + n + " cold-booted clones");
                Concurrent mem = concurrent(v, runner, access, sockets, prefix + "pm" + n + "-", n, true, made);
                Concurrent colds = concurrent(v, runner, access, sockets, prefix + "pc" + n + "-", n, false, made);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("clones", n);
                row.put("memoryClonesAnswered", mem.answered());
                row.put("memoryClonesToLastSshWithIdentityMs", mem.toLastMs());
                row.put("coldClonesAnswered", colds.answered());
                row.put("coldClonesToLastSshMs", colds.toLastMs());
                row.put("memoryClonesPssMiB", mem.memory().pssKiB() / 1024.0);
                row.put("coldClonesPssMiB", colds.memory().pssKiB() / 1024.0);
                row.put("ratio", mem.memory().pssKiB() / (double) colds.memory().pssKiB());
                // TCG's translation cache, private to each process (no such thing under KVM): the rest apart
                row.put("memoryClonesTranslationCacheMiB", mem.memory().translationCacheKiB() / 1024.0);
                row.put("coldClonesTranslationCacheMiB", colds.memory().translationCacheKiB() / 1024.0);
                row.put("ratioWithoutTranslationCache", mem.memory().withoutTranslationCacheKiB()
                        / (double) colds.memory().withoutTranslationCacheKiB());
                pss.add(row);
            }
            result.put("pss", pss);
        } finally {
            pool.drain(slot -> true);
            Files.deleteIfExists(poolDir);
            for (String name : made) {
                try {
                    store.clones().remove(name);
                } catch (RuntimeException | IOException e) {
                    progress.accept("cannot remove " + name + ": " + e.getMessage());
                }
            }
        }
        return result;
    }

    /**
     * n clones started at once: how many answered SSH (memory clones: with their identity, as {@code ingot start} gives
     * it), milliseconds from the first spawn to the last of them, and their total PSS (KiB) once settled.
     */
    record Concurrent(int answered, double toLastMs, ProcessMemory memory) { }

    /**
     * Starts n clones one after the other, then waits for each (one thread each: a clone's identity refresh does not
     * wait for the one before it), settles, and sums their PSS.
     */
    private Concurrent concurrent(TemplateVersion v, CloneRunner runner, KeyPair access, Path sockets, String prefix, int n,
                                  boolean memory, List<String> made) throws Exception {
        List<VmConfig> vms = new ArrayList<>();
        for (int i = 0; i < n; i++) vms.add(clone(v, prefix + i, memory, made));
        List<CloneRunner.Running> running = new ArrayList<>();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            long t0 = System.nanoTime();
            for (VmConfig vm : vms) {
                running.add(memory ? runner.resume(vm, dirOf(vm), sockets, false) : runner.start(vm, dirOf(vm), sockets));
            }
            List<java.util.concurrent.Future<Double>> answers = new ArrayList<>();
            for (CloneRunner.Running r : running) {
                answers.add(pool.submit(() -> {
                    // one login on each side before the PSS is read (cold: the first; memory: the identity's own)
                    if (memory) return refreshOnly(r, access, t0, progress)[1];
                    try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", r.sshPort(), "root", access, coldWait(n))) {
                        return ms(t0);
                    }
                }));
            }
            int answered = 0;
            double last = 0;
            for (var a : answers) {
                try {
                    last = Math.max(last, a.get());
                    answered++;
                } catch (java.util.concurrent.ExecutionException e) {
                    progress.accept("a clone did not answer: " + e.getCause().getMessage());
                }
            }
            Thread.sleep(2000);
            ProcessMemory total = new ProcessMemory(0, 0);
            for (CloneRunner.Running r : running) total = total.plus(ProcessMemory.of(r.process().pid()));
            // the memory clones' host keys proved after the reading: a login more there would count only on their side
            if (memory && answered == n) for (CloneRunner.Running r : running) provePinned(r, access);
            return new Concurrent(answered, answered == n ? last : Double.NaN, total);
        } finally {
            pool.shutdownNow();
            for (CloneRunner.Running r : running) r.close();
        }
    }

    /** Adds each step of a memory clone's start (see {@link io.ingot.vm.StartPhases}) to its samples. */
    private static void addPhases(Map<String, List<Double>> samples, CloneRunner.Running r) {
        for (var p : r.phases().phases()) samples.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p.ms());
    }

    private static Map<String, Stats> stats(Map<String, List<Double>> samples) {
        Map<String, Stats> out = new LinkedHashMap<>();
        samples.forEach((k, v) -> out.put(k, Stats.of(v)));
        return out;
    }

    public static long pssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps_rollup"))) {
            if (line.startsWith("Pss:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new IOException("no Pss line in /proc/" + pid + "/smaps_rollup");
    }

    private VmConfig clone(TemplateVersion v, String name, boolean memory, List<String> made) throws IOException {
        var c = store.clones().clone(v.ref(), name, memory ? CloneOptions.memoryClone(List.of()) : CloneOptions.linkedClone());
        made.add(name);
        return c.vm();
    }

    private static Path dirOf(VmConfig vm) {
        return Path.of(vm.disk().path()).getParent();
    }

    /**
     * What {@code ingot start} does once a memory clone runs ({@link IdentityRefresh#refresh}: onRestore through the
     * guest agent before the one login, run by the guest from fw_cfg as it resumed, or over SSH), timed from {@code t0}: milliseconds to the first SSH login
     * and to the clone having its own identity with ingot knowing its host key (refresh returned). Then, after the
     * timers, a connection that trusts only the host keys ingot made proves them, where onRestore installed them.
     */
    private static double[] refreshIdentity(CloneRunner.Running r, KeyPair access, long t0, Consumer<String> progress) throws IOException {
        double[] times = refreshOnly(r, access, t0, progress);
        provePinned(r, access);
        return times;
    }

    /** The timers of {@link #refreshIdentity} without the check after them. */
    private static double[] refreshOnly(CloneRunner.Running r, KeyPair access, long t0, Consumer<String> progress) throws IOException {
        double[] firstLogin = {Double.NaN};
        IdentityRefresh.refresh(r, access, SSH_TIMEOUT, IdentityRefresh.noticesOnly(progress), () -> firstLogin[0] = ms(t0));
        return new double[] {firstLogin[0], ms(t0)};
    }

    /** A login that trusts only the host keys ingot made for the clone proves them (where onRestore installed them). */
    private static void provePinned(CloneRunner.Running r, KeyPair access) throws IOException {
        var known = IdentityRefresh.knownHostKeys(r.vm());
        if (known.isPresent()) {
            try (SshCommunicator pinned = SshCommunicator.connect(SshLogin.of("127.0.0.1", r.sshPort(), "root", access, SSH_TIMEOUT)
                    .trusting(known.get().publicKeys()))) {
                pinned.hostKeyFingerprint();
            }
        }
    }

    /**
     * Polls {@code address}:22 every 50 ms until it accepts a connection: the login's own retries, after "no route to
     * host" while the guest has no address yet, back off by seconds and would time those instead.
     */
    private static void awaitPort(String address, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(address, 22), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw new IOException("nothing answers at " + address + ":22: " + e.getMessage(), e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    @SuppressWarnings("unchecked")
    public static String table(Map<String, Object> r) {
        StringBuilder t = new StringBuilder();
        t.append(String.format("template %s, %s, QEMU %s, N=%d each%n", r.get("template"), r.get("accelerator"), r.get("qemu"), (Integer) r.get("count")));
        t.append(String.format("%-46s %9s %9s%n", "from spawning QEMU to", "p50", "p95"));
        row(t, "cold boot (linked clone): first SSH answer", (Stats) r.get("coldBootToSsh"));
        row(t, "memory clone: cont returned", (Stats) r.get("memoryToCont"));
        row(t, "memory clone: first SSH answer", (Stats) r.get("memoryToFirstSsh"));
        row(t, "memory clone: SSH answer, identity refreshed", (Stats) r.get("memoryToSshWithIdentity"));
        if (r.get("network") != null) {
            row(t, "memory clone + NIC on " + r.get("network") + ": identity", (Stats) r.get("bridgedToSshWithIdentity"));
            row(t, "memory clone on " + r.get("network") + ": SSH at its address", (Stats) r.get("bridgedToSshAtAddress"));
        }
        row(t, "from the warm pool (from claim): cont returned", (Stats) r.get("poolToCont"));
        row(t, "from the warm pool: SSH answer, identity", (Stats) r.get("poolToSshWithIdentity"));
        t.append(String.format("cold boot / memory clone (to SSH with identity, p50): %.1fx%n", (Double) r.get("sshRatio")));
        if (r.get("poolSshRatio") != null) {
            t.append(String.format("warm pool / memory clone (to SSH with identity, p50): %.2fx%n", (Double) r.get("poolSshRatio")));
        }
        if (r.get("loadAverageBefore") != null) {
            t.append(String.format("load average before %s, after %s; busy loops beside: %s%n", r.get("loadAverageBefore"),
                    r.get("loadAverageAfter"), r.get("busyLoops")));
        }
        phases(t, "memory clone, steps (ms from spawning QEMU)", (Map<String, Stats>) r.get("memoryPhases"));
        phases(t, "warm pool clone, steps (ms from the claim)", (Map<String, Stats>) r.get("poolPhases"));
        if (Boolean.TRUE.equals(r.get("onRestoreByAgent"))) {
            t.append("(the template has a guest agent: onRestore runs through it before the first SSH login)\n");
        }
        t.append(String.format("%-8s %18s %18s %8s %16s %16s%n", "clones", "memory clones PSS", "cold clones PSS", "ratio",
                "memory: last SSH", "cold: last SSH"));
        for (Map<String, Object> p : (List<Map<String, Object>>) r.get("pss")) {
            t.append(String.format("%-8d %14.0f MiB %14.0f MiB %8.2f %11s ms %11s ms%n", (Integer) p.get("clones"),
                    (Double) p.get("memoryClonesPssMiB"), (Double) p.get("coldClonesPssMiB"), (Double) p.get("ratio"),
                    last(p, "memoryClonesAnswered", "memoryClonesToLastSshWithIdentityMs"), last(p, "coldClonesAnswered", "coldClonesToLastSshMs")));
            if (p.get("ratioWithoutTranslationCache") instanceof Double without) {
                t.append(String.format("%-8s of which TCG's translation cache %.0f MiB and %.0f MiB; without it: ratio %.2f%n", "",
                        (Double) p.get("memoryClonesTranslationCacheMiB"), (Double) p.get("coldClonesTranslationCacheMiB"), without));
            }
        }
        return t.toString();
    }

    /** "12345", or "3/10 up" when not all of them answered. */
    private static String last(Map<String, Object> p, String answered, String ms) {
        Object a = p.get(answered), t = p.get(ms);
        if (a == null || t == null) return "-";
        if (t instanceof Double d && !d.isNaN()) return String.format("%.0f", d);
        return a + "/" + p.get("clones") + " up";
    }

    private static void phases(StringBuilder t, String title, Map<String, Stats> phases) {
        if (phases == null || phases.isEmpty()) return;
        t.append(title).append(":\n");
        phases.forEach((name, s) -> t.append(String.format("  %-44s %7.0fms %7.0fms%n", name, s.p50Ms(), s.p95Ms())));
    }

    private static void row(StringBuilder t, String label, Stats s) {
        t.append(String.format("%-46s %7.0fms %7.0fms%n", label, s.p50Ms(), s.p95Ms()));
    }

    @SuppressWarnings("unchecked")
    public static void plot(Map<String, Object> r, Path png) throws IOException {
        Stats cold = (Stats) r.get("coldBootToSsh"), cont = (Stats) r.get("memoryToCont"), ssh = (Stats) r.get("memoryToSshWithIdentity");
        Stats pool = (Stats) r.get("poolToCont"), poolSsh = (Stats) r.get("poolToSshWithIdentity");
        List<BarChart.Group> times = List.of(
                new BarChart.Group("p50", List.of(cold.p50Ms(), cont.p50Ms(), ssh.p50Ms(), pool.p50Ms(), poolSsh.p50Ms())),
                new BarChart.Group("p95", List.of(cold.p95Ms(), cont.p95Ms(), ssh.p95Ms(), pool.p95Ms(), poolSsh.p95Ms())));
        List<BarChart.Group> pss = new ArrayList<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) r.get("pss")) {
            pss.add(new BarChart.Group(p.get("clones") + " clones",
                    List.of((Double) p.get("coldClonesPssMiB"), (Double) p.get("memoryClonesPssMiB"))));
        }
        BarChart.write(png, "ingot bench ram: " + r.get("template") + " (" + r.get("accelerator") + ")",
                List.of("cold boot", "memory clone: cont", "memory clone: SSH + identity", "warm pool: cont", "warm pool: SSH + identity"),
                List.of(new BarChart.Panel("start", "ms", times), new BarChart.Panel("total PSS", "MiB", pss)));
    }
}
