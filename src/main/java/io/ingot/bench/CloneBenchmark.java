package io.ingot.bench;

import io.ingot.catalog.ImageStore;
import io.ingot.catalog.TemplateVersion;
import io.ingot.clone.CloneOptions;
import io.ingot.clone.CloneService;
import io.ingot.storage.RbdStorage;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.TemplateRef;
import io.ingot.util.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code ingot bench clones}: linked clones made through the same code path as {@code ingot clone}
 * (overlay, seed, vm.json, catalog row) against bare {@code qemu-img create -b} in the same run, and a
 * full clone against {@code cp --sparse=always} of the same base image. Timers wrap each single clone.
 */
public final class CloneBenchmark {
    private final ImageStore store;
    private final Consumer<String> progress;

    public CloneBenchmark(ImageStore store, Consumer<String> progress) {
        this.store = store;
        this.progress = progress;
    }

    public Map<String, Object> run(String source, int count) throws Exception {
        return run(source, count, null);
    }

    /** {@code storage}: where to clone (null: the template's primary storage); on rbd the baseline is {@code rbd clone}. */
    public Map<String, Object> run(String source, int count, String storage) throws Exception {
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse(source));
        if (storage != null && store.storages().get(storage) instanceof RbdStorage rbd) return runRbd(v, rbd, count);
        TemplateFiles files = store.storages().get(v.primaryStorage()).locate(v.name(), v.version()).orElseThrow();
        Path base = files.baseImage();
        String prefix = "bench-" + ProcessHandle.current().pid() + "-";
        Path scratch = Files.createTempDirectory(store.paths().images(), ".bench-");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("template", v.ref());
        result.put("baseImageBytes", Files.size(base));
        result.put("count", count);
        CloneService clones = store.clones();
        try {
            progress.accept("linked clones: " + count + " through ingot's clone path");
            List<Double> ingot = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                clones.clone(v.ref(), prefix + i, new CloneOptions(true, null, null, List.of()));
                ingot.add((System.nanoTime() - t0) / 1e6);
            }
            progress.accept("linked clones: " + count + " bare qemu-img create -b");
            List<Double> qemuImg = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Path overlay = scratch.resolve("overlay-" + i + ".qcow2");
                long t0 = System.nanoTime();
                Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                        base.toString(), overlay.toString()), Duration.ofMinutes(1));
                qemuImg.add((System.nanoTime() - t0) / 1e6);
            }
            Stats si = Stats.of(ingot);
            Stats sq = Stats.of(qemuImg);
            result.put("linkedIngot", si);
            result.put("linkedQemuImg", sq);
            result.put("linkedRatio", si.totalMs() / sq.totalMs());

            progress.accept("full clone through ingot's clone path against cp --sparse=always");
            long t0 = System.nanoTime();
            var full = clones.clone(v.ref(), prefix + "full", new CloneOptions(false, null, "qcow2", List.of()));
            double fullMs = (System.nanoTime() - t0) / 1e6;
            t0 = System.nanoTime();
            Command.run(List.of("cp", "--sparse=always", base.toString(), scratch.resolve("copy.qcow2").toString()),
                    Duration.ofMinutes(30));
            double cpMs = (System.nanoTime() - t0) / 1e6;
            double mib = Files.size(base) / (double) (1 << 20);
            boolean reflinked = store.storages().get(v.primaryStorage()).locateClone(full.record().name())
                    .map(c -> c.reflinked()).orElse(false);
            result.put("fullIngotMs", fullMs);
            result.put("fullCpMs", cpMs);
            result.put("fullIngotMiBps", mib / (fullMs / 1000));
            result.put("fullCpMiBps", mib / (cpMs / 1000));
            result.put("fullRatio", fullMs / cpMs);
            result.put("fullReflinked", reflinked);
        } finally {
            progress.accept("removing the benchmark's clones");
            for (var c : store.catalog().clones()) if (c.name().startsWith(prefix)) clones.remove(c.name());
            try (Stream<Path> walk = Files.walk(scratch)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        return result;
    }

    /** Linked clones on RBD through ingot's clone path against bare {@code rbd clone} of the same snapshot. */
    private Map<String, Object> runRbd(TemplateVersion v, RbdStorage rbd, int count) throws Exception {
        if (!v.storages().contains(rbd.name())) {
            throw new io.ingot.util.UserError(v.ref() + " is not on storage '" + rbd.name() + "' (it is on " + String.join(", ", v.storages()) + ")");
        }
        String prefix = "bench-" + ProcessHandle.current().pid() + "-";
        String snap = rbd.cluster().pool() + "/" + RbdStorage.baseImageName(v.name(), v.version()) + "@" + RbdStorage.SNAPSHOT;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("template", v.ref());
        result.put("storage", rbd.name());
        result.put("count", count);
        CloneService clones = store.clones();
        List<String> cliImages = new ArrayList<>();
        try {
            progress.accept("linked clones on RBD: " + count + " through ingot's clone path");
            List<Double> ingot = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                clones.clone(v.ref(), prefix + i, new CloneOptions(true, rbd.name(), null, List.of()));
                ingot.add((System.nanoTime() - t0) / 1e6);
            }
            progress.accept("linked clones on RBD: " + count + " bare rbd clone");
            List<Double> cli = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String image = rbd.cluster().pool() + "/" + prefix + "cli-" + i;
                long t0 = System.nanoTime();
                Command.run(rbd.cluster().rbd("clone", snap, image), Duration.ofMinutes(1));
                cli.add((System.nanoTime() - t0) / 1e6);
                cliImages.add(image);
            }
            Stats si = Stats.of(ingot);
            Stats sr = Stats.of(cli);
            result.put("linkedIngot", si);
            result.put("linkedRbd", sr);
            result.put("linkedRatio", si.totalMs() / sr.totalMs());
        } finally {
            progress.accept("removing the benchmark's clones");
            for (var c : store.catalog().clones()) if (c.name().startsWith(prefix)) clones.remove(c.name());
            for (String image : cliImages) Command.run(rbd.cluster().rbd("rm", "--no-progress", image), Duration.ofMinutes(1));
        }
        return result;
    }

    public static String table(Map<String, Object> r) {
        if (r.containsKey("linkedRbd")) {
            Stats si = (Stats) r.get("linkedIngot");
            Stats sr = (Stats) r.get("linkedRbd");
            return String.format("template %s on storage '%s' (rbd), %d linked clones%n", r.get("template"), r.get("storage"), (Integer) r.get("count"))
                    + String.format("%-38s %10s %9s %9s%n", "operation", "total", "p50", "p95")
                    + String.format("%-38s %8.0fms %7.1fms %7.1fms%n", "ingot clone --linked (rbd,seed,row)", si.totalMs(), si.p50Ms(), si.p95Ms())
                    + String.format("%-38s %8.0fms %7.1fms %7.1fms%n", "rbd clone (CLI only)", sr.totalMs(), sr.p50Ms(), sr.p95Ms())
                    + String.format("linked clone ratio ingot/rbd clone: %.2f%n", (Double) r.get("linkedRatio"));
        }
        Stats si = (Stats) r.get("linkedIngot");
        Stats sq = (Stats) r.get("linkedQemuImg");
        StringBuilder t = new StringBuilder();
        t.append(String.format("template %s, base image %.1f MiB, %d linked clones%n", r.get("template"),
                ((Long) r.get("baseImageBytes")) / (double) (1 << 20), (Integer) r.get("count")));
        t.append(String.format("%-38s %10s %9s %9s%n", "operation", "total", "p50", "p95"));
        t.append(String.format("%-38s %8.0fms %7.1fms %7.1fms%n", "ingot clone --linked (overlay,seed,row)", si.totalMs(), si.p50Ms(), si.p95Ms()));
        t.append(String.format("%-38s %8.0fms %7.1fms %7.1fms%n", "qemu-img create -b (overlay only)", sq.totalMs(), sq.p50Ms(), sq.p95Ms()));
        t.append(String.format("linked clone ratio ingot/qemu-img: %.2f%n", (Double) r.get("linkedRatio")));
        t.append(String.format("full clone: ingot %.0fms (%.0f MiB/s%s), cp --sparse=always %.0fms (%.0f MiB/s), ratio %.2f%n",
                (Double) r.get("fullIngotMs"), (Double) r.get("fullIngotMiBps"),
                Boolean.TRUE.equals(r.get("fullReflinked")) ? ", reflink" : ", no reflink on this filesystem",
                (Double) r.get("fullCpMs"), (Double) r.get("fullCpMiBps"), (Double) r.get("fullRatio")));
        return t.toString();
    }
}
