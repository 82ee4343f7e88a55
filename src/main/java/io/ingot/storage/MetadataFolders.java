package io.ingot.storage;

import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The folders every backend keeps on the local file system, and how they change safely: a dir storage keeps its
 * whole versions there, an rbd storage the manifests and clone folders beside its images. Each backend holds one
 * for its root; neither reaches into the other.
 * <pre>
 * ROOT/templates/NAME/VERSION/               a version (read-only once published)
 * ROOT/templates/NAME/.tmp-VERSION-PID/      a publish in progress (removed by the recovery step when PID is dead)
 * ROOT/templates/NAME/.deleting-VERSION-PID/ a version being removed: renamed first, then its files go
 * ROOT/clones/CLONE/                         a clone's files, with {@code .creating-PID} while it is made ({@link CloneMarker})
 * ROOT/clones/.deleting-CLONE-PID/           a clone being removed
 * </pre>
 */
final class MetadataFolders {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataFolders.class);
    private static final Pattern TMP = Pattern.compile("\\.tmp-(\\d+)-(\\d+)");
    private static final Pattern DELETING = Pattern.compile("\\.deleting-(.+)-(\\d+)");
    static final Pattern VERSION_DIR = Pattern.compile("[1-9]\\d{0,8}");

    private final Path root;

    MetadataFolders(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() { return root; }

    Path templates() { return root.resolve("templates"); }

    Path templateDir(String template) { return templates().resolve(template); }

    Path versionDir(String template, int version) { return templateDir(template).resolve(Integer.toString(version)); }

    Path clones() { return root.resolve("clones"); }

    Path cloneDir(String clone) { return clones().resolve(clone); }

    /** Where this process stages a publish of the version, beside where it will be renamed to. */
    Path publishDir(String template, int version) {
        return templateDir(template).resolve(".tmp-" + version + "-" + ProcessHandle.current().pid());
    }

    /**
     * Claims the clone's folder, marked as being made ({@link CloneMarker}) until the caller has recorded it; its
     * creation is the atomic test that the name is free here. One a killed {@code ingot clone} left (its marker's
     * process is gone) is removed first through {@code storage} (which also removes its volumes): the name is free
     * again. Any other is refused: a clone of that name exists or is being made.
     */
    Path claimClone(StorageBackend storage, String clone, String parentRef) throws IOException {
        Path dir = cloneDir(clone);
        Files.createDirectories(dir.getParent());
        if (!tryCreate(dir)) {
            Optional<CloneMarker.Found> marker = CloneMarker.of(dir);
            if (marker.isEmpty()) {
                throw new UserError("clone '" + clone + "' already exists on storage '" + storage.name() + "' (" + dir + ")");
            }
            if (marker.get().ownerAlive()) {
                throw new UserError("clone '" + clone + "' is being made on storage '" + storage.name() + "' by process "
                        + marker.get().pid());
            }
            LOG.info("removing what an interrupted clone left in {}", dir);
            storage.deleteClone(clone);
            if (!tryCreate(dir)) {
                throw new UserError("clone '" + clone + "' is being made on storage '" + storage.name() + "' by another process");
            }
        }
        CloneMarker.create(dir, parentRef);
        return dir;
    }

    private static boolean tryCreate(Path dir) throws IOException {
        try {
            Files.createDirectory(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Renames the version's folder to {@code .deleting-VERSION-PID} (durably); null when it is not there. */
    Path setAsideVersion(String template, int version) throws IOException {
        return setAside(versionDir(template, version), Integer.toString(version));
    }

    /** Renames the clone's folder to {@code .deleting-CLONE-PID} (durably); null when it is not there. */
    Path setAsideClone(String clone) throws IOException {
        return setAside(cloneDir(clone), clone);
    }

    private static Path setAside(Path dir, String what) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return null;
        Path to = dir.resolveSibling(".deleting-" + what + "-" + ProcessHandle.current().pid());
        // a version directory is 0555: renaming it out of its (writable) parent needs write on itself for ".."
        if (Files.isDirectory(dir) && !Files.isWritable(dir)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try {
            Files.move(dir, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return null; // another process removed it first
        }
        fsyncDir(dir.getParent());
        return to;
    }

    /**
     * Deletes what any removal of the version set aside (any process's: deleting twice is harmless), whatever is
     * left of its folder, and the template's folder once nothing else is in it.
     */
    void finishDeletingVersion(String template, int version) throws IOException {
        Path t = templateDir(template);
        finishDeleting(t, Integer.toString(version));
        Trees.delete(versionDir(template, version));
        try (Stream<Path> rest = Files.exists(t) ? Files.list(t) : Stream.empty()) {
            if (Files.exists(t) && rest.findAny().isEmpty()) Files.deleteIfExists(t);
        }
    }

    /** Deletes what any removal of the clone set aside. */
    void finishDeletingClone(String clone) throws IOException {
        finishDeleting(clones(), clone);
    }

    private static void finishDeleting(Path parent, String what) throws IOException {
        if (!Files.isDirectory(parent)) return;
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path e : entries.toList()) {
                Matcher m = DELETING.matcher(e.getFileName().toString());
                if (m.matches() && m.group(1).equals(what)) Trees.delete(e);
            }
        }
    }

    /** Interrupted publishes whose process is gone, and removals a killed process left half-done; how many went. */
    int cleanLeftovers() throws IOException {
        int removed = 0;
        if (Files.isDirectory(templates())) {
            try (Stream<Path> names = Files.list(templates())) {
                for (Path t : names.filter(Files::isDirectory).toList()) removed += cleanTemplateDir(t);
            }
        }
        return removed + cleanDeleting(clones());
    }

    private static int cleanTemplateDir(Path t) throws IOException {
        int removed = 0;
        try (Stream<Path> entries = Files.list(t)) {
            for (Path e : entries.toList()) {
                Matcher m = TMP.matcher(e.getFileName().toString());
                if (m.matches() && !alive(Long.parseLong(m.group(2)))) {
                    LOG.info("removing leftover of an interrupted publish: {}", e);
                    Trees.delete(e);
                    removed++;
                }
            }
        }
        return removed + cleanDeleting(t);
    }

    /** {@code .deleting-*} folders whose process is gone (a live one is still deleting). */
    private static int cleanDeleting(Path parent) throws IOException {
        int removed = 0;
        if (!Files.isDirectory(parent)) return removed;
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path e : entries.toList()) {
                Matcher m = DELETING.matcher(e.getFileName().toString());
                if (m.matches() && !alive(Long.parseLong(m.group(2)))) {
                    LOG.info("finishing an interrupted removal: {}", e);
                    Trees.delete(e);
                    removed++;
                }
            }
        }
        return removed;
    }

    /** Whether the process that named a leftover is still running (then the leftover is its work in progress). */
    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static void fsync(Path file) throws IOException {
        try (var ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void fsyncDir(Path dir) {
        try (var ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}: {}", dir, e.getMessage());
        }
    }
}
