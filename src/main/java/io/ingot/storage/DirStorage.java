package io.ingot.storage;

import io.ingot.qemu.QemuImg;
import io.ingot.util.Command;
import io.ingot.util.PausePoint;
import io.ingot.template.Manifest;
import io.ingot.util.UserError;
import io.ingot.util.Trees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Storage type {@code dir}: plain files under a root directory.
 * <pre>
 * ROOT/templates/NAME/VERSION/base.qcow2     base image, mode 0444 (directory 0555)
 * ROOT/templates/NAME/VERSION/manifest.json  the version's manifest, 0444
 * ROOT/templates/NAME/template.json          the template's channels and revoked versions (the catalog's, mirrored)
 * ROOT/templates/NAME/.tmp-VERSION-PID/      a publish in progress (removed by the recovery step when PID is dead)
 * ROOT/templates/NAME/.deleting-VERSION-PID/ a version being removed: renamed first, then its files go
 * ROOT/clones/CLONE/disk.qcow2               linked clone: overlay, backing path relative
 * ROOT/clones/CLONE/disk.{raw,qcow2,vmdk}    full clone
 * ROOT/clones/CLONE/vm.json, seed.iso        the clone's VM config and NoCloud seed
 * ROOT/clones/CLONE/.creating-PID            a clone in progress ({@link CloneMarker}), removed after its catalog row
 * ROOT/clones/.deleting-CLONE-PID/           a clone being removed
 * </pre>
 * Relative backing paths keep the whole root movable.
 */
public final class DirStorage implements StorageBackend {
    public static final String TYPE = "dir";
    public static final String BASE_IMAGE = "base.qcow2";
    public static final String BASE_FORMAT = "qcow2";

    private static final Logger LOG = LoggerFactory.getLogger(DirStorage.class);
    private static final Pattern TMP = Pattern.compile("\\.tmp-(\\d+)-(\\d+)");
    private static final Pattern DELETING = Pattern.compile("\\.deleting-(.+)-(\\d+)");
    private static final Pattern VERSION_DIR = Pattern.compile("[1-9]\\d{0,8}");

    private final String name;
    private final Path root;
    private final Set<Feature> features;
    private final QemuImg qemuImg;

    public DirStorage(String name, Path root, Set<Feature> features, QemuImg qemuImg) {
        this.name = name;
        this.root = root.toAbsolutePath().normalize();
        this.features = features.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(features);
        this.qemuImg = qemuImg;
    }

    public DirStorage(String name, Path root, QemuImg qemuImg) {
        this(name, root, EnumSet.allOf(Feature.class), qemuImg);
    }

    @Override public String name() { return name; }
    @Override public String type() { return TYPE; }
    @Override public Set<Feature> features() { return Set.copyOf(features); }
    public Path root() { return root; }

    private Path templateDir(String template) { return root.resolve("templates").resolve(template); }
    private Path versionDir(String template, int version) { return templateDir(template).resolve(Integer.toString(version)); }
    private Path cloneDir(String clone) { return root.resolve("clones").resolve(clone); }

    @Override
    public TemplateFiles publishVersion(String template, int version, StagedVersion.Writer writer) throws IOException {
        require(Feature.TEMPLATE);
        Path target = versionDir(template, version);
        if (Files.exists(target)) throw new IOException("template version " + template + ":" + version + " already exists on storage '" + name + "': " + target);
        Path tmp = templateDir(template).resolve(".tmp-" + version + "-" + ProcessHandle.current().pid());
        Files.createDirectories(tmp.getParent());
        Trees.delete(tmp);
        Files.createDirectory(tmp);
        try {
            StagedVersion staged = new StagedVersion(tmp, tmp.resolve(BASE_IMAGE), tmp.resolve(Manifest.FILE_NAME));
            writer.write(staged);
            if (!Files.isRegularFile(staged.baseImage()) || !Files.isRegularFile(staged.manifest())) {
                throw new IOException("publish of " + template + ":" + version + " wrote no " + BASE_IMAGE + " or " + Manifest.FILE_NAME);
            }
            // a template version is never written again: clones read it, so make that visible in its modes
            try (var walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (Files.isDirectory(p)) {
                        if (!p.equals(tmp)) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r-xr-xr-x"));
                    } else {
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--r--r--"));
                        fsync(p);
                    }
                }
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("storage '" + name + "' cannot rename atomically: " + e.getMessage(), e);
            }
            fsyncDir(target.getParent());
            return files(template, version, target);
        } catch (IOException | RuntimeException e) {
            Trees.delete(tmp);
            throw e;
        }
    }

    private TemplateFiles files(String template, int version, Path dir) {
        return new TemplateFiles(name, template, version, dir, dir.resolve(BASE_IMAGE), BASE_FORMAT, dir.resolve(Manifest.FILE_NAME));
    }

    @Override
    public Optional<TemplateFiles> locate(String template, int version) {
        Path dir = versionDir(template, version);
        return Files.isRegularFile(dir.resolve(BASE_IMAGE)) ? Optional.of(files(template, version, dir)) : Optional.empty();
    }

    /** The capture overlay in the version directory (qcow2, backed by the base image). */
    @Override
    public TemplateFiles captureDisk(TemplateFiles version, Manifest.Ram ram) {
        return new TemplateFiles(version.storage(), version.template(), version.version(), version.dir(),
                version.dir().resolve(ram.captureOverlay().file()), "qcow2", version.manifest());
    }

    @Override
    public CloneFiles createLinkedClone(TemplateFiles base, String clone) throws IOException {
        require(Feature.LINKED_CLONE);
        if (!base.storage().equals(name)) {
            throw new UserError("a linked clone cannot change storage: " + base.template() + ":" + base.version()
                    + " is on storage '" + base.storage() + "', not '" + name + "'");
        }
        Path dir = startClone(clone, base.template() + ":" + base.version());
        try {
            Path disk = dir.resolve("disk.qcow2");
            String relative = dir.relativize(base.baseImage()).toString();
            qemuImg.createOverlay(disk, relative, base.format());
            return new CloneFiles(name, clone, dir, disk, "qcow2", false);
        } catch (IOException | RuntimeException e) {
            Trees.delete(dir);
            throw e;
        }
    }

    @Override
    public CloneFiles createFullClone(Path sourceDisk, String sourceFormat, String clone, String format) throws IOException {
        require(Feature.FULL_CLONE);
        QemuImg.checkFormat(format);
        Path dir = startClone(clone, null);
        try {
            Path disk = dir.resolve("disk." + format);
            boolean reflinked = format.equals(sourceFormat) && features.contains(Feature.REFLINK) && reflink(sourceDisk, disk);
            if (reflinked) {
                Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("rw-r--r--"));
            } else if (format.equals(sourceFormat) && DiskCopy.standsAlone(sourceDisk, sourceFormat)) {
                DiskCopy.copy(sourceDisk, disk);
            } else {
                qemuImg.convert(sourceDisk, sourceFormat, disk, format, false);
            }
            return new CloneFiles(name, clone, dir, disk, format, reflinked);
        } catch (IOException | RuntimeException e) {
            Trees.delete(dir);
            throw e;
        }
    }

    /** File systems that never share extents: no reflink is tried there (trying costs a process start). */
    private static final Set<String> NO_REFLINK = Set.of("ext2", "ext3", "ext4", "tmpfs", "vfat", "msdos", "exfat", "ntfs", "ntfs3");

    /** FICLONE through cp: works only within one filesystem that shares extents (XFS reflink=1, Btrfs); detected by trying. */
    private static boolean reflink(Path source, Path target) throws IOException {
        if (NO_REFLINK.contains(Files.getFileStore(target.getParent()).type())) return false;
        Command.Result r = Command.exec(List.of("cp", "--reflink=always", source.toString(), target.toString()));
        if (!r.ok()) {
            Files.deleteIfExists(target);
            LOG.debug("no reflink from {} to {}: {}", source, target, r.stderr().trim());
        }
        return r.ok();
    }

    /**
     * Claims the clone's directory, marked as being made ({@link CloneMarker}) until the caller has recorded it;
     * its creation is the atomic test that the name is free here.
     */
    private Path startClone(String clone, String parentRef) throws IOException {
        Path dir = cloneDir(clone);
        Files.createDirectories(dir.getParent());
        claimCloneDir(this, clone, dir);
        CloneMarker.create(dir, parentRef);
        return dir;
    }

    /**
     * Creates a clone's directory. One a killed {@code ingot clone} left (its marker's process is gone) is removed
     * first: the name is free again. Any other is refused: a clone of that name exists or is being made.
     */
    static void claimCloneDir(StorageBackend storage, String clone, Path dir) throws IOException {
        try {
            Files.createDirectory(dir);
            return;
        } catch (FileAlreadyExistsException e) {
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
        }
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new UserError("clone '" + clone + "' is being made on storage '" + storage.name() + "' by another process");
        }
    }

    @Override
    public Optional<CloneFiles> locateClone(String clone) {
        Path dir = cloneDir(clone);
        if (!Files.isDirectory(dir)) return Optional.empty();
        for (String format : QemuImg.FORMATS) {
            Path disk = dir.resolve("disk." + format);
            if (Files.isRegularFile(disk)) return Optional.of(new CloneFiles(name, clone, dir, disk, format, false));
        }
        return Optional.of(new CloneFiles(name, clone, dir, null, null, false));
    }

    /** Renamed out of the way first (the name is free at once), then deleted. */
    @Override
    public void deleteClone(String clone) throws IOException {
        Path renamed = setAside(cloneDir(clone), clone);
        if (renamed != null) {
            PausePoint.at("clone-rm:renamed");
            Trees.delete(renamed);
        }
    }

    /**
     * Renamed to {@code .deleting-VERSION-PID} first, so that nothing ever takes a half-deleted version for a whole
     * one (the recovery step and reindex finish such folders), then deleted.
     */
    @Override
    public void deleteVersion(String template, int version) throws IOException {
        Path renamed = setAside(versionDir(template, version), Integer.toString(version));
        if (renamed != null) PausePoint.at("version-rm:renamed");
        finishDeleting(templateDir(template), Integer.toString(version));
        Path t = templateDir(template);
        try (Stream<Path> rest = Files.exists(t) ? Files.list(t) : Stream.empty()) {
            if (Files.exists(t) && rest.findAny().isEmpty()) Files.deleteIfExists(t);
        }
    }

    /** Renames {@code dir} to {@code .deleting-WHAT-PID} beside it (durably); null when it is not there. */
    static Path setAside(Path dir, String what) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return null;
        Path to = dir.resolveSibling(".deleting-" + what + "-" + ProcessHandle.current().pid());
        // a version directory is 0555: renaming it out of its (writable) parent needs write on itself for ".."
        if (Files.isDirectory(dir) && !Files.isWritable(dir)) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try {
            Files.move(dir, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return null; // another process removed it first
        }
        fsyncDir(dir.getParent());
        return to;
    }

    /** Deletes the {@code .deleting-WHAT-*} folders in {@code parent} (any process's: deleting twice is harmless). */
    static void finishDeleting(Path parent, String what) throws IOException {
        if (!Files.isDirectory(parent)) return;
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path e : entries.toList()) {
                Matcher m = DELETING.matcher(e.getFileName().toString());
                if (m.matches() && m.group(1).equals(what)) Trees.delete(e);
            }
        }
    }

    @Override
    public List<Manifest> listVersions() throws IOException {
        List<Manifest> out = new ArrayList<>();
        Path templates = root.resolve("templates");
        if (!Files.isDirectory(templates)) return out;
        try (Stream<Path> names = Files.list(templates)) {
            for (Path t : names.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> versions = Files.list(t)) {
                    for (Path v : versions.filter(p -> VERSION_DIR.matcher(p.getFileName().toString()).matches()).toList()) {
                        Path m = v.resolve(Manifest.FILE_NAME);
                        if (!Files.isRegularFile(m) || !Files.isRegularFile(v.resolve(BASE_IMAGE))) {
                            LOG.warn("skipping {}: no {} or {}", v, Manifest.FILE_NAME, BASE_IMAGE);
                            continue;
                        }
                        Manifest manifest = Manifest.read(m);
                        if (!t.getFileName().toString().equals(manifest.name())
                                || !v.getFileName().toString().equals(String.valueOf(manifest.version()))) {
                            LOG.warn("skipping {}: its manifest says {}", v, manifest.ref());
                            continue;
                        }
                        out.add(manifest);
                    }
                }
            }
        }
        out.sort(Comparator.comparing(Manifest::name).thenComparing(Manifest::version));
        return out;
    }

    /** Interrupted publishes whose process is gone, and removals a killed process left half-done. */
    @Override
    public int cleanLeftovers() throws IOException {
        int removed = 0;
        Path templates = root.resolve("templates");
        if (Files.isDirectory(templates)) {
            try (Stream<Path> names = Files.list(templates)) {
                for (Path t : names.filter(Files::isDirectory).toList()) {
                    removed += cleanTemplateDir(t);
                }
            }
        }
        removed += cleanDeleting(root.resolve("clones"));
        return removed;
    }

    /** In one template's directory (of either backend's layout): dead publishes' {@code .tmp-*}, any {@code .deleting-*}. */
    static int cleanTemplateDir(Path t) throws IOException {
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

    /**
     * Finishes removals that were interrupted: {@code .deleting-*} folders whose process is gone (a live one is
     * still deleting). Both backends keep clone and version directories this way.
     */
    static int cleanDeleting(Path parent) throws IOException {
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

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void fsync(Path file) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void fsyncDir(Path dir) {
        try (var ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}: {}", dir, e.getMessage());
        }
    }
}
