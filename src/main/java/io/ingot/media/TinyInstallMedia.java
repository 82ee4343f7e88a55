package io.ingot.media;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * ingot's own test installation media: {@code tinyinstall.iso} (busybox + dropbear, installed by a tiny
 * installer), built from Debian packages by {@code media/tinyinstall/build.sh} and cached by the scripts'
 * hash (see {@link ScriptedMedia}).
 *
 * <p>The output directory also holds {@code vmlinuz} (Debian 12 cloud kernel) and
 * {@code initrd.img} (a probe initramfs that prints {@code ingot-probe: ok} and powers off).
 */
public final class TinyInstallMedia {
    public static final String NAME = "tinyinstall";
    public static final String ISO_NAME = "tinyinstall.iso";
    public static final String KERNEL_NAME = "vmlinuz";

    private final ScriptedMedia media;

    /**
     * @param cacheDir ingot's cache directory (the media land in its {@code media/} folder)
     * @param progress receives the build script's output, line by line
     */
    public TinyInstallMedia(Path cacheDir, Consumer<String> progress) {
        this.media = new ScriptedMedia(NAME, ISO_NAME, cacheDir, progress, "", Map.of(), Duration.ofMinutes(15));
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
        return media.ensureIso();
    }
}
