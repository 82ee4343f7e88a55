package io.ingot.it;

import io.ingot.catalog.BuildRecord;
import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildOwner;
import io.ingot.pipeline.RoutePlan;
import io.ingot.qemu.RunRegistry;
import io.ingot.storage.CloneMarker;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a real ingot process (the CLI in a child JVM) at every stage boundary of a tiny-linux build, the
 * accelerator probe included, during publish and prune, and during clone, rm, start and start --pool. After each
 * kill it runs the command a user would run next and checks the catalog against the files, that no QEMU is left,
 * that the name can be used again and which version the next build gets. The build kills form chains: the build
 * that follows a killed one is the next one killed, so its recovery step is what is checked. Two chains run at
 * once, each on images of its own (one guest each, for the machine's two cores): the stage boundaries, and the
 * publish points followed by the clone, start, pool and rm kills on the version the chain finally publishes.
 */
class KillRecoveryIT {
    private static final Duration BUILD = Duration.ofMinutes(10);
    private static final Duration CMD = Duration.ofMinutes(3);
    private static final Pattern BUILD_ID = Pattern.compile("==> build (\\S+) of ");
    /**
     * Every boundary, in the build route's order: before each stage (the first is before anything), and the probe
     * inside the qemu stage. tiny-linux asks for every optional stage (a RAM template, verify checks) but the gate.
     */
    private static List<String> stagePoints() throws Exception {
        List<String> points = new ArrayList<>();
        for (String stage : RoutePlan.load("file:" + TestImages.home().resolve("routes/build.camel.yaml")).stageNames()) {
            // the gate runs only for a recipe with publish.gate (tiny-linux has none); it reads the SBOM and writes
            // nothing, so a kill there is a kill before the seal, which the seal's point covers
            if (stage.equals("gate")) continue;
            points.add("stage:" + stage);
            if (stage.equals("qemu")) points.add("accel-probe");
        }
        return points;
    }
    /**
     * Publish: files staged (v1), files renamed into place but no catalog row (v2, adopted by the next build), and the
     * next build's retention (keep 1) killed while removing v2 after publishing v3.
     */
    private static final List<String> PUBLISH_POINTS = List.of("publish:before-rename", "publish:before-catalog", "version-rm:renamed");

    // the images this instance's chain works on (the stage chain runs on a second instance)
    private Path images;
    private IngotPaths paths;
    private IngotChild ingot;
    private final String recipe = TestImages.home().resolve("recipes/tiny-linux.yaml").toString();

    @Test
    void killedAtEveryPointTheNextCommandFindsNothingBrokenAndNoQemuLeft() throws Exception {
        use("target/it-kill/images");
        KillRecoveryIT stages = new KillRecoveryIT();
        stages.use("target/it-kill/images-stages");
        java.util.concurrent.CompletableFuture<Void> stageChain = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                stages.stageBoundaries();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try {
            publishAndClones();
        } finally {
            try {
                stageChain.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null) throw (Exception) c.getCause();
                throw e;
            }
        }
        assertEquals(List.of(), TestImages.qemuProcessesMentioning(TestImages.home().resolve("target/it-kill").toString()),
                "no QEMU of this test is left");
    }

    private void use(String imagesDir) {
        this.images = TestImages.home().resolve(imagesDir);
        this.paths = new IngotPaths(TestImages.home(), images, TestImages.paths().cache(), images.resolve(".ingot"));
        this.ingot = new IngotChild(TestImages.home(), images, paths.cache());
    }

    /** A chain of builds killed at every stage boundary; the last one is followed by the recovery step of doctor --repair. */
    private void stageBoundaries() throws Exception {
        fresh(images);
        Killed last = chain(stagePoints());
        ok(ingot.run(CMD, "doctor", "--repair"));
        recovered(last, "a build killed before publish, after 'ingot doctor --repair'", true);
        assertEquals(List.of(), versions(), "no build of this chain got as far as publishing");
    }

    /** Builds killed at {@code points}, each one's recovery checked while the next waits at its own point. */
    private Killed chain(List<String> points) throws Exception {
        Killed previous = null;
        for (String point : points) {
            // the probe boots a guest only where /dev/kvm can be opened and its module is not kvm_pvm (elsewhere tcg is
            // chosen without one)
            if (point.equals("accel-probe") && (!(Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm")))
                    || Files.isDirectory(Path.of("/sys/module/kvm_pvm")))) continue;
            Killed before = previous;
            // checked while the next build waits at its point, after its recovery step; a build paused inside publish
            // has files in flight, so there the whole-store check waits for a later command
            IngotChild.Result r = ingot.killAt(point, BUILD, () -> {
                if (before != null) recovered(before, "a build killed at " + before.point + ", after the next build's recovery step",
                        !point.startsWith("publish:") && !point.startsWith("version-rm:"));
            }, "build", recipe);
            previous = killed(point, r);
        }
        return previous;
    }

    private void publishAndClones() throws Exception {
        fresh(images);
        Files.writeString(images.resolve("storage.yaml"), "retention:\n  keep: 1\n");
        Killed previous = chain(PUBLISH_POINTS);
        IngotChild.Result next = ingot.run(BUILD, "build", recipe);
        assertEquals(0, next.exitCode(), next.toString());
        recovered(previous, "the prune killed half-way, after the next build", true);
        assertTrue(next.output().contains("recovery: finished the interrupted removal of tiny-linux:2"), next.output());
        // v1 was reserved by the build killed before its rename, v2 adopted then pruned, v3 published then pruned
        assertTrue(next.output().contains("published tiny-linux:4 on local, channel latest"), next.output());
        assertEquals(List.of(4), versions());
        consistent("after the chain of killed builds");

        // ---- clone: killed after its files, before its catalog row
        IngotChild.Result c = ingot.killAt("clone:before-catalog", CMD, "clone", "tiny-linux", "m1", "--linked", "--ram");
        assertTrue(CloneMarker.of(images.resolve("clones/m1")).isPresent(), "a half-made clone, still marked");
        IngotChild.Result rmBase = ingot.run(CMD, "rm", "tiny-linux:4", "--force");
        assertEquals(2, rmBase.exitCode(), rmBase.toString());
        assertTrue(rmBase.output().contains("left half-made by an interrupted 'ingot clone': m1"), "its overlay holds the base: " + rmBase);
        ok(ingot.run(CMD, "clone", "tiny-linux", "m1", "--linked", "--ram")); // the name can be used again
        ingot.killAt("clone:before-catalog", CMD, "clone", "tiny-linux", "m2", "--linked");
        IngotChild.Result rmHalf = ok(ingot.run(CMD, "rm", "m2"));
        assertTrue(rmHalf.output().contains("removed m2, a clone an interrupted 'ingot clone' left half-made"), rmHalf.toString());
        assertFalse(Files.exists(images.resolve("clones/m2")));
        consistent("after the killed clones");

        // ---- start: killed after the memory clone resumed, before run.json; its QEMU runs on (detached by design)
        for (String then : List.of("stop", "start", "rm")) {
            IngotChild.Result s = ingot.killAt("start:before-record", CMD, "start", "m1");
            ProcessHandle q = single(s.qemus());
            assertTrue(q.isAlive(), "a clone's QEMU is detached: it outlives the killed start");
            assertTrue(new RunRegistry(paths.state().resolve("run")).find("ingot-clone-m1").isPresent(), "and stays recorded");
            IngotChild.Result after = ok(ingot.run(CMD, then, "m1"));
            assertTrue(gone(q, Duration.ofSeconds(20)), "'ingot " + then + " m1' stopped the QEMU the killed start left: " + after);
            if (then.equals("start")) {
                // the killed start resumed m1 once, so its disk has moved on: this start boots it from its disk
                assertTrue(after.output().contains("left running by an interrupted start of m1") && after.output().contains("started m1"), after.toString());
                ok(ingot.run(CMD, "stop", "m1"));
            }
        }
        assertTrue(ingot.run(CMD, "clones").output().lines().noneMatch(l -> l.startsWith("m1")), "rm removed m1");
        ok(ingot.run(CMD, "clone", "tiny-linux", "m1", "--linked", "--ram"));

        // ---- start --pool: killed after the pool's QEMU started, before its slot.json
        IngotChild.Result p = ingot.killAt("pool:before-slot", CMD, "start", "m1", "--pool", "1");
        assertEquals(2, p.qemus().size(), "m1's own QEMU and the pool's: " + p.qemus());
        IngotChild.Result pool = ok(ingot.run(CMD, "pool"));
        assertTrue(pool.output().lines().anyMatch(l -> l.contains("tiny-linux:4") && l.contains(" orphaned ")),
                "the orphaned pool process is listed as such: " + pool);
        IngotChild.Result drained = ok(ingot.run(CMD, "pool", "drain"));
        assertTrue(drained.output().contains("stopped 1 waiting QEMU process"), drained.toString());
        ok(ingot.run(CMD, "stop", "m1"));
        for (ProcessHandle h : p.qemus()) assertTrue(gone(h, Duration.ofSeconds(20)), "no QEMU of the killed start --pool is left");

        // ---- rm of a clone: killed after its folder was renamed aside, before its catalog row went
        ingot.killAt("clone-rm:renamed", CMD, "rm", "m1");
        IngotChild.Result again = ingot.run(CMD, "clone", "tiny-linux", "m1", "--linked");
        assertEquals(2, again.exitCode(), "its row is still there: " + again);
        IngotChild.Result start = ingot.run(CMD, "start", "m1");
        assertEquals(2, start.exitCode(), start.toString());
        assertTrue(start.output().contains("clone 'm1' is in the catalog but its files are missing"), "said, not crashed: " + start);
        IngotChild.Result rm = ok(ingot.run(CMD, "rm", "m1"));
        assertTrue(rm.output().contains("removed clone m1"), rm.toString());
        ok(ingot.run(CMD, "clone", "tiny-linux", "m1", "--linked"));
        ok(ingot.run(CMD, "rm", "m1"));
        ok(ingot.run(CMD, "doctor", "--repair"));
        consistent("after the killed clone removal");

        // ---- rm of a version: killed after its folder was renamed aside
        ingot.killAt("version-rm:renamed", CMD, "rm", "tiny-linux:4", "--force");
        IngotChild.Result reindex = ok(ingot.run(CMD, "catalog", "reindex"));
        assertTrue(reindex.output().contains("finished the interrupted removal of tiny-linux:4"), reindex.toString());
        assertEquals(List.of(), versions(), "the half-removed version never comes back");
        consistent("after the killed version removal and a reindex");
        assertEquals(5, ImageStore.open(paths).catalog().reserveVersion("tiny-linux"), "version numbers are never handed out twice");
    }

    @Test
    void onErrorAbortLeavesTheVmRunningAndRecordedUntilDoctorRepair() throws Exception {
        Path abortImages = TestImages.home().resolve("target/it-abort/images");
        fresh(abortImages);
        IngotChild abortIngot = new IngotChild(TestImages.home(), abortImages, TestImages.paths().cache());
        Path variant = TestImages.variant("abort-fast", yaml -> yaml.replace("timeout: 5m", "timeout: 1s"));
        IngotChild.Result b = abortIngot.run(BUILD, "build", variant.toString(), "--on-error", "abort");
        assertTrue(b.output().contains("build failed; --on-error=abort left everything in place"), b.toString());
        assertEquals(1, b.exitCode(), b.toString());
        Matcher m = Pattern.compile("QEMU still running, pid (\\d+)").matcher(b.output());
        assertTrue(m.find(), b.toString());
        assertTrue(b.output().contains("stop it with: ingot doctor --repair"), b.toString());
        ProcessHandle q = ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow();
        Thread.sleep(2000);
        assertTrue(q.isAlive(), "the JVM's exit did not take the VM with it");
        assertTrue(new RunRegistry(abortImages.resolve(".ingot/run")).find(q.info().arguments().map(a -> a[1]).orElseThrow())
                .orElseThrow().leftRunning(), "recorded as left running");
        IngotChild.Result repair = ok(abortIngot.run(CMD, "doctor", "--repair"));
        assertTrue(repair.output().contains("left by --on-error abort"), repair.toString());
        assertTrue(gone(q, Duration.ofSeconds(20)));
    }

    /** What a kill left, noted before the next command runs. */
    private record Killed(String point, String buildId, Path buildDir, Path runtimeDir, List<ProcessHandle> qemus) { }

    private Killed killed(String point, IngotChild.Result r) throws IOException {
        for (ProcessHandle h : r.qemus()) {
            assertTrue(gone(h, Duration.ofSeconds(20)), "the build VM " + h.pid() + " ended with the build killed at " + point);
        }
        Matcher m = BUILD_ID.matcher(r.output());
        assertTrue(m.find(), r.toString());
        Path dir = images.resolve(".builds/tiny-linux").resolve(m.group(1));
        Path runtime = BuildOwner.read(dir).map(BuildOwner::runtimeDir).map(Path::of).orElse(null);
        return new Killed(point, m.group(1), dir, runtime, r.qemus());
    }

    /**
     * After a recovery step: the killed build is no longer running (failed, or succeeded when it had published), lost
     * its disks and runtime directory, kept its log.
     */
    private void recovered(Killed k, String when, boolean wholeStore) throws IOException {
        ImageStore store = ImageStore.open(paths);
        Optional<BuildRecord> row = store.catalog().builds().stream().filter(b -> b.id().equals(k.buildId)).findFirst();
        // killed once its version was in place (adopted later, or recorded and then pruning the old ones), it published
        String status = k.point.equals("publish:before-catalog") || k.point.equals("version-rm:renamed") ? "succeeded" : "failed";
        row.ifPresent(b -> assertEquals(status, b.status(), when + ": " + b));
        assertTrue(Files.isRegularFile(k.buildDir.resolve("build.log")), when + ": the log is kept");
        try (Stream<Path> walk = Files.walk(k.buildDir)) {
            List<String> heavy = walk.map(p -> k.buildDir.relativize(p).toString())
                    .filter(p -> p.endsWith(".qcow2") || p.endsWith("memory") || p.endsWith("state") || p.equals(BuildOwner.FILE_NAME)).toList();
            assertEquals(List.of(), heavy, when + ": disks and RAM files removed");
        }
        if (k.runtimeDir != null) assertFalse(Files.exists(k.runtimeDir), when + ": its runtime directory is gone");
        if (wholeStore) consistent(when);
    }

    /** The catalog against the files: every version whole and on disk, every folder a version, clones likewise. */
    private void consistent(String when) throws IOException {
        ImageStore store = ImageStore.open(paths);
        List<String> problems = new ArrayList<>();
        store.recovery().checkVersions(problems::add);
        assertEquals(List.of(), problems, when);
        Set<String> catalog = new TreeSet<>();
        for (TemplateVersion v : store.catalog().allVersions()) {
            assertEquals(TemplateVersion.READY, v.state(), when + ": " + v.ref());
            catalog.add(v.ref());
        }
        Set<String> onDisk = new TreeSet<>();
        Path templates = images.resolve("templates");
        if (Files.isDirectory(templates)) {
            try (Stream<Path> walk = Files.walk(templates, 2)) {
                for (Path p : walk.filter(Files::isDirectory).toList()) {
                    String name = p.getFileName().toString();
                    assertFalse(name.startsWith(".tmp-") || name.startsWith(".deleting-"), when + ": leftover " + p);
                    if (name.matches("\\d+")) onDisk.add(p.getParent().getFileName() + ":" + name);
                }
            }
        }
        assertEquals(catalog, onDisk, when + ": versions in the catalog and on the storage");
        Set<String> clones = new TreeSet<>(store.catalog().clones().stream().map(CloneRecord::name).toList());
        Set<String> cloneDirs = new TreeSet<>();
        Path clonesDir = images.resolve("clones");
        if (Files.isDirectory(clonesDir)) {
            try (Stream<Path> dirs = Files.list(clonesDir)) {
                for (Path d : dirs.toList()) {
                    assertFalse(d.getFileName().toString().startsWith("."), when + ": leftover " + d);
                    assertTrue(CloneMarker.of(d).isEmpty(), when + ": half-made clone " + d);
                    cloneDirs.add(d.getFileName().toString());
                }
            }
        }
        assertEquals(clones, cloneDirs, when + ": clones in the catalog and on the storage");
        for (BuildRecord b : store.catalog().builds()) {
            if (!b.status().equals("running")) continue;
            assertTrue(BuildOwner.read(images.resolve(".builds").resolve(b.recipe()).resolve(b.id())).map(BuildOwner::alive).orElse(false),
                    when + ": build " + b.id() + " is 'running' without a live ingot");
        }
    }

    private List<Integer> versions() {
        return ImageStore.open(paths).catalog().versions("tiny-linux").stream().map(TemplateVersion::version).toList();
    }

    private static IngotChild.Result ok(IngotChild.Result r) {
        assertEquals(0, r.exitCode(), r.toString());
        return r;
    }

    private static ProcessHandle single(List<ProcessHandle> qemus) {
        assertEquals(1, qemus.size(), qemus.toString());
        return qemus.get(0);
    }

    private static boolean gone(ProcessHandle h, Duration within) {
        return io.ingot.qemu.QemuProcess.waitGone(h, within);
    }

    private static void fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    p.toFile().setWritable(true);
                    if (p.getParent() != null) p.getParent().toFile().setWritable(true);
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.createDirectories(dir);
    }
}
