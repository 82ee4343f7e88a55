package io.ingot.bench;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.TemplateRef;
import io.ingot.trust.KeyFiles;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Command;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code ingot bench transfer}: {@code ingot pull} of a template version from a daemon on loopback against
 * {@code curl} of the same files from that daemon, and {@code curl} plus {@code sha256sum}, in the same run; each
 * ingot measured (this one and, with a baseline launcher, another checkout) runs its own daemon, started and
 * stopped by PID, over a copy of the version (hard links) in a folder of the run. Also where the pulled files land:
 * bytes on disk against their length (a sparse RAM file should stay sparse). With S3, each ingot's
 * {@code ingot s3 push} and {@code ingot s3 pull} too, against the SDK's ({@link S3TransferBenchmark}).
 */
public final class TransferBenchmark {
    private final ImageStore store;
    private final Consumer<String> progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final S3TransferBenchmark s3;

    public TransferBenchmark(ImageStore store, Consumer<String> progress) {
        this(store, progress, null);
    }

    /** {@code s3}: also push and pull through S3 (null: the daemon only). */
    public TransferBenchmark(ImageStore store, Consumer<String> progress, S3TransferBenchmark s3) {
        this.store = store;
        this.progress = progress;
        this.s3 = s3;
    }

    /** {@code launchers}: label to an {@code ingot} launcher; each is measured with its own daemon. */
    public Map<String, Object> run(String source, int count, Map<String, Path> launchers) throws IOException, InterruptedException {
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse(source));
        TemplateFiles tf = store.storages().get(v.primaryStorage()).locate(v.name(), v.version())
                .orElseThrow(() -> new UserError(v.ref() + " has no files on storage " + v.primaryStorage()));
        List<String> files = versionFiles(tf.dir());
        long logical = 0;
        for (String f : files) logical += Files.size(tf.dir().resolve(f));
        Path work = store.paths().images().resolve(".bench").resolve("transfer-run");
        Trees.deleteQuietly(work);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("template", v.ref());
        result.put("count", count);
        result.put("files", files);
        result.put("bytes", logical);
        result.put("sourceOnDisk", onDisk(tf.dir(), files));
        try {
            Path src = sourceCopy(work.resolve("src"), tf.dir(), v);
            for (String f : files) Sha256.of(tf.dir().resolve(f)); // read once: every side then reads from the page cache
            Map<String, Object> sides = new LinkedHashMap<>();
            if (s3 != null) s3.ensureBucket();
            for (Map.Entry<String, Path> l : launchers.entrySet()) {
                Map<String, Object> side = measure(l.getKey(), l.getValue(), src, work, v, files, logical, count);
                if (s3 != null) {
                    side.put("s3", s3.measure(l.getKey(), l.getValue(), store.paths().images(), tf.dir(), work, v, files, logical, count,
                            this::trust));
                }
                sides.put(l.getKey(), side);
            }
            result.put("runs", sides);
        } finally {
            Trees.deleteQuietly(work);
        }
        return result;
    }

    private Map<String, Object> measure(String label, Path launcher, Path src, Path work, TemplateVersion v, List<String> files,
                                        long logical, int count) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String base = "http://127.0.0.1:" + port;
        Path log = work.resolve("daemon-" + label + ".log");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "serve", "--port", Integer.toString(port), "--bind", "127.0.0.1")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("INGOT_IMAGES", src.toString());
        Process daemon = pb.start();
        progress.accept(label + ": daemon PID " + daemon.pid() + " on " + base);
        List<Double> curl = new ArrayList<>();
        List<Double> curlSha = new ArrayList<>();
        List<Double> pull = new ArrayList<>();
        Map<String, Object> pulledOnDisk = null;
        try {
            waitFor(daemon, base + "/api/resolve/" + v.ref(), log);
            String filesUrl = base + "/api/templates/" + v.name() + "/versions/" + v.version() + "/files/";
            for (int i = 0; i < count; i++) {
                Path out = work.resolve("curl");
                curl.add(curl(filesUrl, files, out, false));
                curlSha.add(curl(filesUrl, files, out, true));
                Path dst = work.resolve("dst");
                Files.createDirectories(dst.resolve("trust"));
                trust(dst.resolve("trust"));
                long t0 = System.nanoTime();
                List<String> argv = new ArrayList<>(List.of(launcher.toString(), "pull", base, v.ref()));
                if (!files.contains(VersionTrust.ENVELOPE)) argv.add("--allow-unsigned"); // a version made before signing
                runIngot(argv, dst, work.resolve("pull-" + label + ".log"), label + ": ingot pull");
                double ms = (System.nanoTime() - t0) / 1e6;
                pull.add(ms);
                pulledOnDisk = onDisk(dst.resolve("templates").resolve(v.name()).resolve(Integer.toString(v.version())), files);
                Trees.delete(dst);
                progress.accept(label + " run " + (i + 1) + "/" + count + ": curl " + fmt(curl.get(i)) + " ms, curl+sha256sum "
                        + fmt(curlSha.get(i)) + " ms, ingot pull " + fmt(ms) + " ms");
            }
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) daemon.destroyForcibly().waitFor();
            progress.accept(label + ": daemon PID " + daemon.pid() + " stopped");
        }
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("launcher", launcher.toString());
        side.put("curl", stats(curl, logical));
        side.put("curlSha256sum", stats(curlSha, logical));
        side.put("ingotPull", stats(pull, logical));
        side.put("pullVsCurl", Stats.of(curl).p50Ms() / Stats.of(pull).p50Ms());
        side.put("pullVsCurlSha256sum", Stats.of(curlSha).p50Ms() / Stats.of(pull).p50Ms());
        side.put("pulledOnDisk", pulledOnDisk);
        return side;
    }

    /** One curl for all files (as a user would fetch them), then sha256sum of them when {@code sha}. */
    private static double curl(String filesUrl, List<String> files, Path out, boolean sha) throws IOException {
        Files.createDirectories(out);
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--fail"));
        List<String> sums = new ArrayList<>(List.of("sha256sum"));
        for (String f : files) {
            String local = out.resolve(f.replace('/', '_')).toString();
            argv.addAll(List.of("-o", local, filesUrl + f));
            sums.add(local);
        }
        long t0 = System.nanoTime();
        Command.run(argv, Duration.ofMinutes(30));
        if (sha) Command.run(sums, Duration.ofMinutes(30));
        double ms = (System.nanoTime() - t0) / 1e6;
        Trees.delete(out);
        return ms;
    }

    /** Runs an ingot command with {@code images} as its INGOT_IMAGES; its output to {@code log}, all of it in the error when it fails. */
    static void runIngot(List<String> argv, Path images, Path log, String what) throws IOException, InterruptedException {
        ProcessBuilder p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
        p.environment().put("INGOT_IMAGES", images.toString());
        int rc = p.start().waitFor();
        if (rc != 0) throw new IOException(what + " exited " + rc + ": " + Files.readString(log).strip());
    }

    static Map<String, Object> stats(List<Double> ms, long bytes) {
        Stats s = Stats.of(ms);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samplesMs", ms);
        m.put("p50Ms", s.p50Ms());
        m.put("p95Ms", s.p95Ms());
        m.put("mbPerSecondP50", bytes / 1e6 / (s.p50Ms() / 1000));
        return m;
    }

    /** A folder the daemon serves: the version's files as hard links, a copy of the catalog, no recipes (no schedules). */
    private Path sourceCopy(Path src, Path versionDir, TemplateVersion v) throws IOException {
        Path into = src.resolve("templates").resolve(v.name()).resolve(Integer.toString(v.version()));
        Files.createDirectories(into.getParent());
        Command.run(List.of("cp", "-al", versionDir.toString(), into.toString()));
        Path images = store.paths().images();
        for (String f : List.of("catalog.db", "catalog.db-wal")) {
            if (Files.isRegularFile(images.resolve(f))) Files.copy(images.resolve(f), src.resolve(f));
        }
        Path none = src.resolve("no-recipes");
        Files.createDirectories(none);
        Files.writeString(src.resolve("daemon.yaml"), "recipes: " + none + "\n");
        return src;
    }

    /** The keys this site trusts (its own and images/trust/), so that the pulling side takes what the daemon serves. */
    private void trust(Path dir) throws IOException {
        PublicKey own = store.trust().siteKey().load().getPublic();
        Files.writeString(dir.resolve(KeyFiles.keyId(own).substring(0, 16) + ".pem"), KeyFiles.publicPem(own));
        Path here = store.paths().images().resolve("trust");
        if (Files.isDirectory(here)) {
            try (Stream<Path> s = Files.list(here)) {
                for (Path p : s.filter(p -> p.toString().endsWith(".pem")).toList()) Files.copy(p, dir.resolve(p.getFileName()));
            }
        }
    }

    private void waitFor(Process daemon, String url, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) throw new IOException("the daemon exited " + daemon.exitValue() + ": " + Files.readString(log).strip());
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IOException("the daemon did not answer " + url + " within 3 minutes (" + log + ")");
    }

    /** The version's files (base image, RAM template, manifest, envelope), relative, as a pull lists them. */
    private static List<String> versionFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    /** Each file's length and the bytes it takes on disk ({@code stat}: blocks of 512 bytes). */
    static Map<String, Object> onDisk(Path dir, List<String> files) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String f : files) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) continue;
            String[] st = Command.run(List.of("stat", "-c", "%s %b", p.toString())).strip().split(" ");
            out.put(f, Map.of("length", Long.parseLong(st[0]), "onDisk", Long.parseLong(st[1]) * 512));
        }
        return out;
    }

    private static String fmt(double ms) {
        return String.format("%.0f", ms);
    }

    /** The table {@code ingot bench transfer} prints. */
    @SuppressWarnings("unchecked")
    public static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s: %d files, %.1f MB (%d runs each)%n", r.get("template"), ((List<?>) r.get("files")).size(),
                ((Number) r.get("bytes")).longValue() / 1e6, r.get("count")));
        Map<String, Object> runs = (Map<String, Object>) r.get("runs");
        sb.append(String.format("%-10s %-18s %10s %10s %8s%n", "ingot", "what", "p50 ms", "MB/s", "vs it"));
        for (Map.Entry<String, Object> e : runs.entrySet()) {
            Map<String, Object> side = (Map<String, Object>) e.getValue();
            for (String k : List.of("curl", "curlSha256sum", "ingotPull")) {
                Map<String, Object> s = (Map<String, Object>) side.get(k);
                String ratio = k.equals("ingotPull") ? String.format("%.2fx", (Double) side.get("pullVsCurl")) : "";
                sb.append(String.format("%-10s %-18s %10.0f %10.1f %8s%n", e.getKey(), k, (Double) s.get("p50Ms"), (Double) s.get("mbPerSecondP50"), ratio));
            }
            onDisk(sb, e.getKey() + "", (Map<String, Object>) side.get("pulledOnDisk"));
            Map<String, Object> s3 = (Map<String, Object>) side.get("s3");
            if (s3 == null) continue;
            for (String k : List.of("sdkPut", "curlPut", "ingotPush", "sdkGet", "curlGet", "ingotPull")) {
                Map<String, Object> s = (Map<String, Object>) s3.get(k);
                if (s == null) continue; // no curl: the environment had no static keys
                String ratio = k.equals("ingotPush") ? String.format("%.2fx", (Double) s3.get("pushVsSdk"))
                        : k.equals("ingotPull") ? String.format("%.2fx", (Double) s3.get("pullVsSdk")) : "";
                sb.append(String.format("%-10s %-18s %10.0f %10.1f %8s%n", e.getKey(), "s3 " + k, (Double) s.get("p50Ms"),
                        (Double) s.get("mbPerSecondP50"), ratio));
            }
            if (s3.get("pushVsCurl") != null) {
                sb.append(String.format("%-10s s3 ingot against curl: push %.2fx, pull %.2fx%n", e.getKey(), (Double) s3.get("pushVsCurl"),
                        (Double) s3.get("pullVsCurl")));
            }
            sb.append(String.format("%-10s s3 bytes in the bucket: SDK %d, ingot %d%n", e.getKey(), s3.get("sdkBytesInBucket"), s3.get("ingotBytesInBucket")));
            onDisk(sb, e.getKey() + " s3", (Map<String, Object>) s3.get("pulledOnDisk"));
        }
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static void onDisk(StringBuilder sb, String label, Map<String, Object> disk) {
        if (disk == null) return;
        disk.forEach((f, d) -> {
            Map<String, Object> m = (Map<String, Object>) d;
            sb.append(String.format("%-10s pulled %s: %d bytes on disk of %d%n", label, f, m.get("onDisk"), m.get("length")));
        });
    }
}
