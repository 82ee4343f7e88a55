package io.ingot.media;

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
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * ingot's own test installation media: {@code tinyinstall.iso}, built from Debian packages by
 * the script in the resource folder {@code media/tinyinstall/} and cached under
 * {@code <cache>/media/tinyinstall-<first 12 hex of the scripts' sha256>/}, so a changed
 * script gives a new directory and a rebuild.
 *
 * <p>The output directory also holds {@code vmlinuz} (Debian 12 cloud kernel) and
 * {@code initrd.img} (a probe initramfs that prints {@code ingot-probe: ok} and powers off).
 */
public final class TinyInstallMedia {

    static final String RESOURCE_DIR = "media/tinyinstall/";
    static final String INDEX = "FILES";
    public static final String ISO_NAME = "tinyinstall.iso";
    public static final String KERNEL_NAME = "vmlinuz";
    private static final int LAST_LINES = 25;
    private static final long BUILD_TIMEOUT_MINUTES = 15;

    private final Path mediaDir;
    private final Consumer<String> progress;
    private final Map<String, byte[]> scripts;
    private final String hash;

    /**
     * @param cacheDir ingot's cache directory (the media land in its {@code media/} folder)
     * @param progress receives the build script's output, line by line
     */
    public TinyInstallMedia(Path cacheDir, Consumer<String> progress) {
        this.mediaDir = cacheDir.resolve("media");
        this.progress = progress;
        this.scripts = readScripts(TinyInstallMedia.class.getClassLoader());
        this.hash = hash(scripts).substring(0, 12);
    }

    /** Where this version of the scripts puts its media (exists only once built). */
    public Path outputDir() {
        return mediaDir.resolve("tinyinstall-" + hash);
    }

    /** The cached kernel, if the media were built. */
    public Optional<Path> kernel() {
        Path kernel = outputDir().resolve(KERNEL_NAME);
        return Files.isRegularFile(kernel) ? Optional.of(kernel) : Optional.empty();
    }

    /** Returns {@code tinyinstall.iso}, building it first if it is not in the cache. */
    public Path ensureIso() {
        Path iso = outputDir().resolve(ISO_NAME);
        if (Files.isRegularFile(iso)) {
            return iso;
        }
        try {
            Files.createDirectories(mediaDir);
            // Another JVM (or thread) may be building the same version: wait for it, then reuse.
            try (FileChannel lockFile = FileChannel.open(mediaDir.resolve("tinyinstall-" + hash + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lock(lockFile)) {
                if (!Files.isRegularFile(iso)) {
                    build();
                }
            }
            return iso;
        } catch (IOException e) {
            throw new UncheckedIOException("building " + ISO_NAME + " in " + outputDir() + ": " + e.getMessage(), e);
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
            for (Path p : stale.filter(p -> p.getFileName().toString().startsWith("tinyinstall-" + hash + ".tmp-")).toList()) {
                deleteTree(p);
            }
        }
        Path work = Files.createTempDirectory(mediaDir, "tinyinstall-" + hash + ".tmp-");
        try {
            Path src = work.resolve("src");
            for (Map.Entry<String, byte[]> e : scripts.entrySet()) {
                Path file = src.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, e.getValue());
            }
            Path out = work.resolve("out");
            progress.accept("building " + ISO_NAME + " into " + outputDir());
            runScript(src.resolve("build.sh"), out);
            if (!Files.isRegularFile(out.resolve(ISO_NAME))) {
                throw new MediaBuildFailed("build.sh finished but wrote no " + ISO_NAME);
            }
            try {
                Files.move(out, outputDir(), StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // FileAlreadyExists: built meanwhile by a process that ignored the lock; keep theirs.
                if (!Files.isRegularFile(outputDir().resolve(ISO_NAME))) {
                    throw e;
                }
            }
        } finally {
            deleteTree(work);
        }
    }

    private void runScript(Path script, Path out) throws IOException {
        Process process = new ProcessBuilder("bash", script.toString(), out.toString())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        Deque<String> last = new ArrayDeque<>();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                progress.accept(line);
                if (last.size() == LAST_LINES) {
                    last.removeFirst();
                }
                last.addLast(line);
            }
        }
        int exit;
        try {
            if (!process.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new MediaBuildFailed("build.sh did not finish within " + BUILD_TIMEOUT_MINUTES + " minutes");
            }
            exit = process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new MediaBuildFailed("interrupted while building " + ISO_NAME);
        }
        if (exit == 3) { // a missing host tool: the user can install it
            throw new UserError(last.isEmpty() ? "a host tool needed to build " + ISO_NAME + " is missing" : last.getLast());
        }
        if (exit != 0) {
            throw new MediaBuildFailed("building " + ISO_NAME + " failed (build.sh exit code " + exit + "); last lines:\n"
                    + String.join("\n", last));
        }
    }

    /** The script files named in the index, in index order, read from the class path. */
    static Map<String, byte[]> readScripts(ClassLoader loader) {
        byte[] index = readResource(loader, RESOURCE_DIR + INDEX);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(INDEX, index);
        for (String line : new String(index, StandardCharsets.UTF_8).split("\n")) {
            String name = line.strip();
            if (name.isEmpty() || name.startsWith("#")) {
                continue;
            }
            if (name.startsWith("/") || name.contains("..")) {
                throw new IllegalStateException(RESOURCE_DIR + INDEX + ": bad path " + name);
            }
            files.put(name, readResource(loader, RESOURCE_DIR + name));
        }
        if (!files.containsKey("build.sh")) {
            throw new IllegalStateException(RESOURCE_DIR + INDEX + " does not list build.sh");
        }
        return files;
    }

    /** sha256 over every file's name and content, in name order (hex). */
    static String hash(Map<String, byte[]> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            files.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(Long.toString(e.getValue().length).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(e.getValue());
            });
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readResource(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + name, e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MediaBuildFailed("interrupted while waiting for another build of " + ISO_NAME);
        }
    }
}
