package io.ingot.bench;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.storage.RbdStorage;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.TemplateFiles;
import io.ingot.storage.Volume;
import io.ingot.template.TemplateRef;
import io.ingot.util.Command;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code ingot bench clones}: linked clones made through the same code path as {@code ingot clone}
 * (overlay, seed, vm.json, catalog row) against bare {@code qemu-img create -b} in the same run, and full
 * clones of a generated data disk against {@code cp --sparse=always} and {@code qemu-img convert} of it.
 * Timers wrap each single clone, after a few untimed ones of each kind.
 */
public final class CloneBenchmark {
    static final int FULL_ROUNDS = 5;
    static final int WARM_UP = 5;

    private final ImageStore store;
    private final Consumer<String> progress;
    private final long dataBytes;

    public CloneBenchmark(ImageStore store, Consumer<String> progress) {
        this(store, progress, 1L << 30);
    }

    /** {@code dataBytes}: how much data the full clones' generated disk holds. */
    public CloneBenchmark(ImageStore store, Consumer<String> progress, long dataBytes) {
        this.store = store;
        this.progress = progress;
        this.dataBytes = dataBytes;
    }

    public Map<String, Object> run(String source, int count) throws Exception {
        return run(source, count, null);
    }

    /** {@code storage}: where to clone (null: the template's primary storage); on rbd the baseline is {@code rbd clone}. */
    public Map<String, Object> run(String source, int count, String storage) throws Exception {
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse(source));
        if (storage != null && store.storages().get(storage) instanceof RbdStorage rbd) return runRbd(v, rbd, count);
        TemplateFiles files = store.storages().get(v.primaryStorage()).locate(v.name(), v.version()).orElseThrow();
        Path base = files.baseImage().path();
        String prefix = "bench-" + ProcessHandle.current().pid() + "-";
        Path scratch = Files.createTempDirectory(store.paths().images(), ".bench-");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("template", v.ref());
        result.put("baseImageBytes", Files.size(base));
        result.put("count", count);
        CloneService clones = store.clones();
        try {
            // a few untimed first: the JIT compiles ingot's path, qemu-img's binary and the base image get cached
            progress.accept("linked clones: " + WARM_UP + " untimed of each, then " + count + " through ingot's clone path");
            for (int i = 0; i < WARM_UP; i++) {
                clones.clone(v.ref(), prefix + "warm-" + i, new CloneOptions(true, null, null, List.of()));
                Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                        base.toString(), scratch.resolve("warm-" + i + ".qcow2").toString()), Duration.ofMinutes(1));
            }
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

            result.putAll(fullClones(store.storages().get(v.primaryStorage()), scratch, prefix));
        } finally {
            progress.accept("removing the benchmark's clones");
            for (var c : store.catalog().clones()) if (c.name().startsWith(prefix)) clones.remove(c.name());
            Trees.delete(scratch);
        }
        return result;
    }

    /**
     * Full clones of a generated data disk ({@link #dataBytes} of pseudo-random data, half of a qcow2 image of twice
     * that size, the rest unallocated) by the storage's full-clone operation, the one {@code ingot clone --full}
     * uses, against {@code cp --sparse=always} and {@code qemu-img convert} of the same file. Each round runs
     * the three in a rotating order; every copy starts with the source in the page cache and no dirty pages
     * (sync before, untimed), and is removed after.
     */
    private Map<String, Object> fullClones(StorageBackend storage, Path scratch, String prefix) throws IOException {
        progress.accept("full clones: generating a data disk with " + (dataBytes >> 20) + " MiB of data");
        Path data = dataDisk(scratch);
        long bytes = Files.size(data);
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        ms.put("ingot", new ArrayList<>());
        ms.put("cp", new ArrayList<>());
        ms.put("qemuImgConvert", new ArrayList<>());
        boolean reflinked = false;
        for (int round = 0; round < FULL_ROUNDS; round++) {
            progress.accept("full clones: round " + (round + 1) + " of " + FULL_ROUNDS);
            List<String> order = new ArrayList<>(ms.keySet());
            Collections.rotate(order, round);
            for (String what : order) {
                Path target = scratch.resolve("full-" + what + ".qcow2");
                Command.run(List.of("sync"));
                long t0 = System.nanoTime();
                switch (what) {
                    case "ingot" -> reflinked |= storage.createFullClone(Volume.file(data, "qcow2"), prefix + "full", "qcow2").reflinked();
                    case "cp" -> Command.run(List.of("cp", "--sparse=always", data.toString(), target.toString()));
                    default -> Command.run(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "qcow2", data.toString(), target.toString()));
                }
                ms.get(what).add((System.nanoTime() - t0) / 1e6);
                if (what.equals("ingot")) storage.deleteClone(prefix + "full");
                Files.deleteIfExists(target);
            }
        }
        Command.run(List.of("sync"));
        Map<String, Object> r = new LinkedHashMap<>();
        double mib = bytes / (double) (1 << 20);
        r.put("fullImageBytes", bytes);
        r.put("fullDataBytes", dataBytes);
        r.put("fullRounds", FULL_ROUNDS);
        ms.forEach((k, v) -> {
            Stats st = Stats.of(v);
            r.put("full_" + k, st);
            r.put("full_" + k + "_MiBps", mib / (st.p50Ms() / 1000));
        });
        r.put("fullThroughputRatio", (Double) r.get("full_ingot_MiBps") / (Double) r.get("full_cp_MiBps"));
        r.put("fullReflinked", reflinked);
        return r;
    }

    /** A qcow2 image: every other MiB of its virtual disk is pseudo-random data (incompressible, no zero blocks). */
    private Path dataDisk(Path scratch) throws IOException {
        Path raw = scratch.resolve("data.raw");
        byte[] chunk = new byte[1 << 20];
        SplittableRandom random = new SplittableRandom(13);
        try (var f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(2 * dataBytes);
            for (long off = 0; off < 2 * dataBytes; off += 2L << 20) {
                random.nextBytes(chunk);
                f.seek(off);
                f.write(chunk);
            }
        }
        Path qcow2 = scratch.resolve("data.qcow2");
        Command.run(List.of("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()));
        Files.delete(raw);
        return qcow2;
    }

    /** Linked clones on RBD through ingot's clone path against bare {@code rbd clone} of the same snapshot. */
    private Map<String, Object> runRbd(TemplateVersion v, RbdStorage rbd, int count) throws Exception {
        if (!v.storages().contains(rbd.name())) {
            throw new UserError(v.ref() + " is not on storage '" + rbd.name() + "' (it is on " + String.join(", ", v.storages()) + ")");
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
        Stats fi = (Stats) r.get("full_ingot");
        Stats fc = (Stats) r.get("full_cp");
        Stats fq = (Stats) r.get("full_qemuImgConvert");
        t.append(String.format("full clones of a generated qcow2 disk (%.0f MiB of data, %.0f MiB file), %d rounds:%n",
                ((Long) r.get("fullDataBytes")) / (double) (1 << 20), ((Long) r.get("fullImageBytes")) / (double) (1 << 20), (Integer) r.get("fullRounds")));
        t.append(String.format("%-38s %10s %9s %11s%n", "operation", "p50", "p95", "MiB/s (p50)"));
        t.append(String.format("%-38s %8.0fms %7.0fms %11.0f%n", "ingot full clone" + (Boolean.TRUE.equals(r.get("fullReflinked")) ? " (reflink)" : ""),
                fi.p50Ms(), fi.p95Ms(), (Double) r.get("full_ingot_MiBps")));
        t.append(String.format("%-38s %8.0fms %7.0fms %11.0f%n", "cp --sparse=always", fc.p50Ms(), fc.p95Ms(), (Double) r.get("full_cp_MiBps")));
        t.append(String.format("%-38s %8.0fms %7.0fms %11.0f%n", "qemu-img convert -O qcow2", fq.p50Ms(), fq.p95Ms(), (Double) r.get("full_qemuImgConvert_MiBps")));
        t.append(String.format("full clone throughput ingot/cp: %.2f%n", (Double) r.get("fullThroughputRatio")));
        return t.toString();
    }
}
