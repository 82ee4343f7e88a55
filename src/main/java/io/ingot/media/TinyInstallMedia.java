package io.ingot.media;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * ingot's own test installation media: {@code tinyinstall.iso} (busybox + dropbear, installed by a tiny
 * installer), built from Debian 12's packages by {@code media/tinyinstall/build.sh} and cached by the scripts'
 * hash and the archive they come from (see {@link ScriptedMedia}).
 *
 * <p>The output directory also holds {@code vmlinuz} (Debian 12 cloud kernel) and
 * {@code initrd.img} (a probe initramfs that prints {@code ingot-probe: ok} and powers off).
 */
public final class TinyInstallMedia {
    public static final String NAME = "tinyinstall";
    public static final String ISO_NAME = "tinyinstall.iso";
    public static final String KERNEL_NAME = "vmlinuz";
    /** The packages' suite: the system's init scripts and module list are made for Debian 12's kernel. */
    public static final String SUITE = "bookworm";

    private final ScriptedMedia media;
    private final Consumer<String> progress;
    private final DebianArchive archive;

    /**
     * @param cacheDir ingot's cache directory (the media land in its {@code media/} folder)
     * @param progress receives the build script's output, line by line
     * @param archive  where the packages come from ({@link MirrorChooser})
     */
    public TinyInstallMedia(Path cacheDir, Consumer<String> progress, DebianArchive archive) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INGOT_SUITE", SUITE);
        env.putAll(archive.environment());
        this.media = new ScriptedMedia(NAME, ISO_NAME, cacheDir, progress, key(archive), env, Duration.ofMinutes(15));
        this.progress = progress;
        this.archive = archive;
    }

    /** The cache key besides the scripts: the suite and the archive (another mirror may carry other versions). */
    static String key(DebianArchive archive) {
        return "suite=" + SUITE + "\n" + archive.identity();
    }

    /** Where this version of the scripts puts its media (exists only once built). */
    public Path outputDir() {
        return media.outputDir();
    }

    /** The cached kernel, if the media were built. */
    public Optional<Path> kernel() {
        Path kernel = outputDir().resolve(KERNEL_NAME);
        return Files.isRegularFile(kernel) ? Optional.of(kernel) : Optional.empty();
    }

    /** Returns {@code tinyinstall.iso}, building it first if it is not in the cache. */
    public Path ensureIso() {
        if (!Files.isRegularFile(outputDir().resolve(ISO_NAME))) progress.accept("Debian archive: " + archive.describe());
        return media.ensureIso();
    }
}
