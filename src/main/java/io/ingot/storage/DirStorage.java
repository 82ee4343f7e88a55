package io.ingot.storage;

import io.ingot.util.Command;
import io.ingot.template.Manifest;
import io.ingot.util.UserError;
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
 * ROOT/templates/NAME/.tmp-VERSION-PID/      a publish in progress (removed on open when PID is dead)
 * ROOT/clones/CLONE/disk.qcow2               linked clone: overlay, backing path relative
 * ROOT/clones/CLONE/disk.{raw,qcow2,vmdk}    full clone
 * ROOT/clones/CLONE/vm.json, seed.iso        the clone's VM config and NoCloud seed
 * ROOT/clones/CLONE/.creating-PID            a clone in progress
 * </pre>
 * Relative backing paths keep the whole root movable.
 */
public final class DirStorage implements StorageBackend {
    public static final String TYPE = "dir";
    public static final String BASE_IMAGE = "base.qcow2";
    public static final String BASE_FORMAT = "qcow2";

    private static final Logger LOG = LoggerFactory.getLogger(DirStorage.class);
    private static final Pattern TMP = Pattern.compile("\\.tmp-(\\d+)-(\\d+)");
    private static final Pattern CREATING = Pattern.compile("\\.creating-(\\d+)");
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
        deleteTree(tmp);
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
            deleteTree(tmp);
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
        Path dir = startClone(clone);
        try {
            Path disk = dir.resolve("disk.qcow2");
            String relative = dir.relativize(base.baseImage()).toString();
            qemuImg.createOverlay(disk, relative, base.format());
            return finishClone(clone, dir, disk, "qcow2", false);
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    @Override
    public CloneFiles createFullClone(Path sourceDisk, String sourceFormat, String clone, String format) throws IOException {
        require(Feature.FULL_CLONE);
        QemuImg.checkFormat(format);
        Path dir = startClone(clone);
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
            return finishClone(clone, dir, disk, format, reflinked);
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
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

    /** Claims the clone's directory; its creation is the atomic test that the name is free here. */
    private Path startClone(String clone) throws IOException {
        Path dir = cloneDir(clone);
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new UserError("clone '" + clone + "' already exists on storage '" + name + "' (" + dir + ")");
        }
        Files.createFile(dir.resolve(".creating-" + ProcessHandle.current().pid()));
        return dir;
    }

    private CloneFiles finishClone(String clone, Path dir, Path disk, String format, boolean reflinked) throws IOException {
        Files.delete(dir.resolve(".creating-" + ProcessHandle.current().pid()));
        return new CloneFiles(name, clone, dir, disk, format, reflinked);
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

    @Override
    public void deleteClone(String clone) throws IOException {
        deleteTree(cloneDir(clone));
    }

    @Override
    public void deleteVersion(String template, int version) throws IOException {
        deleteTree(versionDir(template, version));
        Path t = templateDir(template);
        try (Stream<Path> rest = Files.exists(t) ? Files.list(t) : Stream.empty()) {
            if (Files.exists(t) && rest.findAny().isEmpty()) Files.deleteIfExists(t);
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

    @Override
    public int cleanLeftovers() throws IOException {
        int removed = 0;
        Path templates = root.resolve("templates");
        if (Files.isDirectory(templates)) {
            try (Stream<Path> names = Files.list(templates)) {
                for (Path t : names.filter(Files::isDirectory).toList()) {
                    try (Stream<Path> entries = Files.list(t)) {
                        for (Path e : entries.toList()) {
                            Matcher m = TMP.matcher(e.getFileName().toString());
                            if (m.matches() && !alive(Long.parseLong(m.group(2)))) {
                                LOG.info("removing leftover of an interrupted publish: {}", e);
                                deleteTree(e);
                                removed++;
                            }
                        }
                    }
                }
            }
        }
        for (Path d : interruptedClones(root.resolve("clones"))) {
            LOG.info("removing leftover of an interrupted clone: {}", d);
            deleteTree(d);
            removed++;
        }
        return removed;
    }

    /**
     * Clone directories whose creation was interrupted: they still hold the {@code .creating-<pid>} marker of a
     * process that is gone. Both backends keep clone directories this way.
     */
    static List<Path> interruptedClones(Path clones) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(clones)) return out;
        try (Stream<Path> dirs = Files.list(clones)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                try (Stream<Path> entries = Files.list(d)) {
                    if (entries.map(p -> CREATING.matcher(p.getFileName().toString()))
                            .anyMatch(m -> m.matches() && !alive(Long.parseLong(m.group(1))))) {
                        out.add(d);
                    }
                }
            }
        }
        return out;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Deletes a tree, making read-only directories writable first (base images live in 0555 directories). */
    static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Path parent = p.getParent();
                if (parent != null && Files.isDirectory(parent) && !Files.isWritable(parent)) {
                    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                Files.deleteIfExists(p);
            }
        }
    }

    private static void fsync(Path file) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void fsyncDir(Path dir) {
        try (var ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}: {}", dir, e.getMessage());
        }
    }
}
