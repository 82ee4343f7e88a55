package io.ingot.media;

import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Installation media that ingot builds itself from Debian packages with a script from the resource
 * folder {@code media/<name>/}: the files listed in its {@code FILES} index (paths relative to
 * {@code media/}, so media can share {@code common/}) are extracted, {@code <name>/build.sh OUTDIR} runs
 * with the given environment, and its output is cached under
 * {@code <cache>/media/<name>-<first 12 hex of sha256(scripts, key)>/}: a changed script or key (suite,
 * package list, archive date ...) gives a new directory and a rebuild. One build at a time per
 * directory, also across processes (a file lock).
 */
public final class ScriptedMedia {
    static final String RESOURCE_ROOT = "media/";
    static final String INDEX = "FILES";
    private static final int LAST_LINES = 25;

    private final String name;
    private final String isoName;
    private final Path mediaDir;
    private final Consumer<String> progress;
    private final Map<String, byte[]> scripts;
    private final Map<String, String> environment;
    private final Duration timeout;
    private final String hash;

    /**
     * @param key         what else the output depends on besides the scripts (part of the cache key)
     * @param environment passed to build.sh
     */
    public ScriptedMedia(String name, String isoName, Path cacheDir, Consumer<String> progress, String key,
                         Map<String, String> environment, Duration timeout) {
        this.name = name;
        this.isoName = isoName;
        this.mediaDir = cacheDir.resolve("media");
        this.progress = progress;
        this.scripts = readScripts(ScriptedMedia.class.getClassLoader(), name);
        this.environment = Map.copyOf(environment);
        this.timeout = timeout;
        this.hash = hash(scripts, key).substring(0, 12);
    }

    /** Where this version of the scripts and key puts its media (exists only once built). */
    public Path outputDir() {
        return mediaDir.resolve(name + "-" + hash);
    }

    /** The output directories of earlier builds of this medium, newest first (for when the key cannot be computed). */
    public static Stream<Path> builtBefore(Path cacheDir, String name, String isoName) throws IOException {
        Path dir = cacheDir.resolve("media");
        if (!Files.isDirectory(dir)) return Stream.empty();
        try (Stream<Path> all = Files.list(dir)) {
            return all.filter(p -> p.getFileName().toString().matches(Pattern.quote(name) + "-[0-9a-f]{12}"))
                    .filter(p -> Files.isRegularFile(p.resolve(isoName)))
                    .sorted(Comparator.comparing((Path p) -> p.resolve(isoName).toFile().lastModified()).reversed())
                    .toList().stream();
        }
    }

    /** Returns the ISO, building it first if it is not in the cache. */
    public Path ensureIso() {
        Path iso = outputDir().resolve(isoName);
        if (Files.isRegularFile(iso)) {
            MediaCachePrune.markUsed(outputDir());
            return iso;
        }
        try {
            Files.createDirectories(mediaDir);
            // Another JVM (or thread) may be building the same version: wait for it, then reuse.
            try (FileChannel lockFile = FileChannel.open(mediaDir.resolve(name + "-" + hash + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lock(lockFile)) {
                if (!Files.isRegularFile(iso)) build();
            }
            return iso;
        } catch (IOException e) {
            throw new UncheckedIOException("building " + isoName + " in " + outputDir() + ": " + e.getMessage(), e);
        }
    }

    private FileLock lock(FileChannel channel) throws IOException {
        while (true) {
            try {
                return channel.lock();
            } catch (OverlappingFileLockException sameJvm) {
                // The JVM holds the lock through another channel (another thread): poll.
                sleep(200);
            }
        }
    }

    private void build() throws IOException {
        // Left over by a build that was killed; safe to remove while we hold the lock.
        try (Stream<Path> stale = Files.list(mediaDir)) {
            for (Path p : stale.filter(p -> p.getFileName().toString().startsWith(name + "-" + hash + ".tmp-")).toList()) {
                Trees.delete(p);
            }
        }
        Path work = Files.createTempDirectory(mediaDir, name + "-" + hash + ".tmp-");
        try {
            Path src = work.resolve("src");
            for (Map.Entry<String, byte[]> e : scripts.entrySet()) {
                Path file = src.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, e.getValue());
            }
            Path out = work.resolve("out");
            progress.accept("building " + isoName + " into " + outputDir());
            long started = System.nanoTime();
            runScript(src.resolve(name).resolve("build.sh"), out);
            if (!Files.isRegularFile(out.resolve(isoName))) {
                throw new MediaBuildFailed("build.sh finished but wrote no " + isoName);
            }
            try {
                Files.move(out, outputDir(), StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // FileAlreadyExists: built meanwhile by a process that ignored the lock; keep theirs.
                if (!Files.isRegularFile(outputDir().resolve(isoName))) throw e;
            }
            progress.accept(String.format("built %s in %.0fs", isoName, (System.nanoTime() - started) / 1e9));
            MediaCachePrune.markUsed(outputDir());
            try {
                MediaCachePrune.prune(mediaDir.getParent(), name, isoName, Instant.now(), progress);
            } catch (IOException e) { // the media just built are what counts
                progress.accept("media cache not pruned: " + e.getMessage());
            }
        } finally {
            Trees.delete(work);
        }
    }

    private void runScript(Path script, Path out) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), out.toString()).redirectErrorStream(true);
        pb.environment().putAll(environment);
        Process process = pb.start();
        process.getOutputStream().close();
        Deque<String> last = new ArrayDeque<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                progress.accept(line);
                if (last.size() == LAST_LINES) last.removeFirst();
                last.addLast(line);
            }
        }
        int exit;
        try {
            if (!process.waitFor(timeout.toMinutes(), TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new MediaBuildFailed("build.sh did not finish within " + timeout.toMinutes() + " minutes");
            }
            exit = process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new MediaBuildFailed("interrupted while building " + isoName);
        }
        if (exit == 3) { // a missing host tool: the user can install it
            throw new UserError(last.isEmpty() ? "a host tool needed to build " + isoName + " is missing" : last.getLast());
        }
        if (exit != 0) {
            throw new MediaBuildFailed("building " + isoName + " failed (build.sh exit code " + exit + "); last lines:\n"
                    + String.join("\n", last));
        }
    }

    /** The files named in {@code media/<name>/FILES}, in index order, read from the class path (keys relative to media/). */
    static Map<String, byte[]> readScripts(ClassLoader loader, String name) {
        String indexName = name + "/" + INDEX;
        byte[] index = readResource(loader, RESOURCE_ROOT + indexName);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(indexName, index);
        for (String line : new String(index, StandardCharsets.UTF_8).split("\n")) {
            String file = line.strip();
            if (file.isEmpty() || file.startsWith("#")) continue;
            if (file.startsWith("/") || file.contains("..")) {
                throw new IllegalStateException(RESOURCE_ROOT + indexName + ": bad path " + file);
            }
            files.put(file, readResource(loader, RESOURCE_ROOT + file));
        }
        if (!files.containsKey(name + "/build.sh")) {
            throw new IllegalStateException(RESOURCE_ROOT + indexName + " does not list " + name + "/build.sh");
        }
        return files;
    }

    /** sha256 over every file's name and content, in name order, then the key (hex). */
    static String hash(Map<String, byte[]> files, String key) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            files.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(Long.toString(e.getValue().length).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(e.getValue());
            });
            if (key != null && !key.isEmpty()) {
                digest.update((byte) 1);
                digest.update(key.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readResource(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " is missing from the class path");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + name, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MediaBuildFailed("interrupted while waiting for another build of media");
        }
    }
}
