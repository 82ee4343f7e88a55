package io.ingot.qemu;

import io.ingot.util.Command;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The QEMU binaries ingot runs and what they can do. Found on PATH, or through
 * {@code INGOT_QEMU} / {@code INGOT_QEMU_IMG}; the system binary's version and features are asked of it
 * by {@link QemuFeatureProbe} and remembered in ingot's private state until the binary changes.
 */
public record QemuInstallation(Path system, Path img, QemuVersion version, QemuVersion imgVersion, QemuFeatures features) {
    public static final String SYSTEM_BINARY = "qemu-system-x86_64";
    public static final String IMG_BINARY = "qemu-img";
    /** Beside the accelerator probe's accelerator.json. */
    public static final String FEATURE_CACHE = "qemu-features.json";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    /** Finds and inspects QEMU using this process's environment and ingot's state folder. */
    public static QemuInstallation detect() {
        return detect(System.getenv());
    }

    /** The same with {@code env}'s binaries; answers remembered in this process's ingot state folder. */
    public static QemuInstallation detect(Map<String, String> env) {
        return detect(env, IngotPaths.fromEnvironment().state().resolve(FEATURE_CACHE));
    }

    /**
     * Finds and inspects QEMU, remembering its features in {@code featureCache} (null: ask every time); a missing
     * binary is a {@link UserError} that names the package to install.
     */
    public static QemuInstallation detect(Map<String, String> env, Path featureCache) {
        Path system = findSystem(env).orElseThrow(() -> new UserError(
                SYSTEM_BINARY + " not found on PATH (install qemu-system-x86, or set INGOT_QEMU)"));
        Path img = findImg(env).orElseThrow(() -> new UserError(
                IMG_BINARY + " not found on PATH (install qemu-utils, or set INGOT_QEMU_IMG)"));
        try {
            QemuFeatureProbe.Probed probed = new QemuFeatureProbe(featureCache).probe(system);
            QemuVersion imgVersion = QemuVersion.parse(Command.exec(List.of(img.toString(), "--version"), PROBE_TIMEOUT).output());
            return new QemuInstallation(system, img, probed.version(), imgVersion, probed.features());
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("cannot ask " + system + " for its version: " + e.getMessage(), e);
        }
    }

    public static Optional<Path> findSystem(Map<String, String> env) {
        return find(env, "INGOT_QEMU", SYSTEM_BINARY);
    }

    public static Optional<Path> findImg(Map<String, String> env) {
        return find(env, "INGOT_QEMU_IMG", IMG_BINARY);
    }

    /** A program on the PATH of {@code env}, if any. */
    public static Optional<Path> onPath(Map<String, String> env, String program) {
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    private static Optional<Path> find(Map<String, String> env, String override, String program) {
        String explicit = env.get(override);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!p.isAbsolute() && p.getNameCount() == 1) return onPath(env, explicit);
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw new UserError(override + "=" + explicit + " is not an executable file");
            }
            return Optional.of(p.toAbsolutePath());
        }
        return onPath(env, program);
    }

    /** A command builder for this QEMU binary. */
    public QemuCommand.Builder command(String name) {
        return QemuCommand.builder(system, name);
    }
}
