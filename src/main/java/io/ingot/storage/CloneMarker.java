package io.ingot.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code .creating-PID} file in a clone's directory (both backends keep one per clone) while the clone is
 * being made. It holds the template version a linked or memory clone reads ({@code NAME:VERSION}; empty for a
 * full clone), so that removing that version is refused while the clone is half-made, and it is removed last,
 * after the catalog row ({@link #remove}): a clone directory without a marker is a whole clone.
 */
public final class CloneMarker {
    private static final Pattern NAME = Pattern.compile("\\.creating-(\\d+)");

    /** A marker found: the clone, its directory, the process making it (alive or not) and the version it reads. */
    public record Found(String cloneName, Path dir, Path file, long pid, String parent) {
        public boolean ownerAlive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        /** The clone reads {@code ref} (NAME:VERSION). */
        public boolean reads(String ref) {
            return ref.equals(parent);
        }
    }

    private CloneMarker() { }

    static void create(Path dir, String parentRef) throws IOException {
        Files.writeString(dir.resolve(".creating-" + ProcessHandle.current().pid()), parentRef == null ? "" : parentRef,
                StandardCharsets.UTF_8);
    }

    /** Ends this process's making of the clone in {@code dir}: after this the clone is whole. */
    public static void remove(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(".creating-" + ProcessHandle.current().pid()));
    }

    /** The marker in a clone directory, if it has one. */
    public static Optional<Found> of(Path dir) {
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                String parent;
                try {
                    parent = Files.readString(p, StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    parent = "";
                }
                return Optional.of(new Found(dir.getFileName().toString(), dir, p, Long.parseLong(m.group(1)),
                        parent.isEmpty() ? null : parent));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The markers under a storage's {@code clones} directory (clones being made, or whose maker died). */
    public static List<Found> scan(Path clonesDir) throws IOException {
        List<Found> out = new ArrayList<>();
        if (!Files.isDirectory(clonesDir)) return out;
        try (Stream<Path> dirs = Files.list(clonesDir)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) of(d).ifPresent(out::add);
        }
        return out;
    }
}
