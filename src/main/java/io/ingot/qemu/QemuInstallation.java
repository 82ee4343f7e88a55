package io.ingot.qemu;

import io.ingot.util.Command;
import io.ingot.util.UserError;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The QEMU binaries ingot runs and what they can do. Found on PATH, or through
 * {@code INGOT_QEMU} / {@code INGOT_QEMU_IMG}; versions and features are asked of the binaries
 * each time {@link #detect()} runs (two short process runs), nothing is cached statically.
 */
public record QemuInstallation(Path system, Path img, QemuVersion version, QemuVersion imgVersion, QemuFeatures features) {
    public static final String SYSTEM_BINARY = "qemu-system-x86_64";
    public static final String IMG_BINARY = "qemu-img";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern ROM_OPTION = Pattern.compile("(?m)^\\s*rom=");

    /** Finds and inspects QEMU using this process's environment. */
    public static QemuInstallation detect() {
        return detect(System.getenv());
    }

    /** Finds and inspects QEMU; a missing binary is a {@link UserError} that names the package to install. */
    public static QemuInstallation detect(Map<String, String> env) {
        Path system = findSystem(env).orElseThrow(() -> new UserError(
                SYSTEM_BINARY + " not found on PATH (install qemu-system-x86, or set INGOT_QEMU)"));
        Path img = findImg(env).orElseThrow(() -> new UserError(
                IMG_BINARY + " not found on PATH (install qemu-utils, or set INGOT_QEMU_IMG)"));
        try {
            QemuVersion version = QemuVersion.parse(Command.exec(List.of(system.toString(), "--version"), PROBE_TIMEOUT).output());
            QemuVersion imgVersion = QemuVersion.parse(Command.exec(List.of(img.toString(), "--version"), PROBE_TIMEOUT).output());
            return new QemuInstallation(system, img, version, imgVersion, detectFeatures(system, version));
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

    /** One run of {@code -object memory-backend-file,help}; the migration features follow from the version. */
    static QemuFeatures detectFeatures(Path system, QemuVersion version) throws IOException {
        Command.Result help = Command.exec(List.of(system.toString(), "-object", "memory-backend-file,help"), PROBE_TIMEOUT);
        boolean rom = help.exitCode() == 0 && ROM_OPTION.matcher(help.output()).find();
        return features(rom, version);
    }

    static QemuFeatures features(boolean romListed, QemuVersion version) {
        // file: URI arrived in 8.2, mapped-ram in 9.0, -run-with exit-with-parent in 9.1; none has a cheap probe
        // without starting a VM (-run-with help does not list its keys).
        return new QemuFeatures(romListed, version.atLeast(8, 2), version.atLeast(9, 0), version.atLeast(9, 1));
    }

    /** A command builder for this QEMU binary. */
    public QemuCommand.Builder command(String name) {
        return QemuCommand.builder(system, name);
    }
}
