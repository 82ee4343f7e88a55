package io.ingot.storage;

import io.ingot.qemu.QemuImg;
import io.ingot.util.Command;
import io.ingot.util.PausePoint;
import io.ingot.template.Manifest;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /**
     * What a dir storage does, by the format of the volume it starts from: any disk becomes a qcow2 base image;
     * linked clones are qcow2 overlays on qcow2 or raw; full clones and copies are made into any of its formats,
     * by reflink where the filesystem shares extents.
     */
    public static final FeatureTable FEATURES = FeatureTable.of("qcow2", "raw", "vmdk")
            .allow(Feature.TEMPLATE, FeatureTable.State.CURRENT, "qcow2", "raw", "vmdk")
            .allow(Feature.LINKED_CLONE, FeatureTable.State.BASE, "qcow2", "raw")
            .allow(Feature.FULL_CLONE, FeatureTable.State.BASE, "qcow2", "raw", "vmdk")
            .allow(Feature.COPY, FeatureTable.State.BASE, "qcow2", "raw", "vmdk")
            .allow(Feature.COPY, FeatureTable.State.CURRENT, "qcow2", "raw", "vmdk")
            .allow(Feature.REFLINK, FeatureTable.State.BASE, "qcow2", "raw", "vmdk")
            // qemu-img cannot resize vmdk
            .allow(Feature.RESIZE, FeatureTable.State.CURRENT, "qcow2", "raw")
            .build();

    /** The type as storage.yaml names it, registered through META-INF/services. */
    public static final class Type implements StorageType {
        @Override public String name() { return TYPE; }
        @Override public Class<DirStorage.Section> section() { return DirStorage.Section.class; }
    }

    /**
     * {@code path} (relative to the images directory) and {@code options}: {@code linked-clones: false} refuses
     * linked clones here, {@code reflink: false} never tries FICLONE.
     */
    public record Section(String path, Map<String, String> options) implements StorageType.Section {
        @Override
        public StorageConfig.Entry define(String storage, Path images, String where) {
            if (path == null || path.isBlank()) throw new UserError(where + ".path is missing");
            Path root = images.resolve(path).normalize();
            FeatureTable features = FEATURES;
            Map<String, String> o = options == null ? Map.of() : options;
            if ("false".equals(o.get("linked-clones"))) features = features.without(Feature.LINKED_CLONE);
            if ("false".equals(o.get("reflink"))) features = features.without(Feature.REFLINK);
            FeatureTable table = features;
            return new StorageConfig.Entry(TYPE, root, (name, qemuImg) -> new DirStorage(name, root, table, qemuImg));
        }
    }

    private final String name;
    private final Path root;
    private final MetadataFolders folders;
    private final FeatureTable features;
    private final QemuImg qemuImg;

    public DirStorage(String name, Path root, FeatureTable features, QemuImg qemuImg) {
        this.name = name;
        this.root = root.toAbsolutePath().normalize();
        this.folders = new MetadataFolders(this.root);
        this.features = features;
        this.qemuImg = qemuImg;
    }

    public DirStorage(String name, Path root, QemuImg qemuImg) {
        this(name, root, FEATURES, qemuImg);
    }

    @Override public String name() { return name; }
    @Override public String type() { return TYPE; }
    @Override public FeatureTable features() { return features; }
    public Path root() { return root; }

    private Path templateDir(String template) { return folders.templateDir(template); }
    private Path versionDir(String template, int version) { return folders.versionDir(template, version); }
    private Path cloneDir(String clone) { return folders.cloneDir(clone); }

    @Override
    public TemplateFiles publishVersion(String template, int version, StagedVersion.Writer writer) throws IOException {
        require(Feature.TEMPLATE);
        Path target = versionDir(template, version);
        if (Files.exists(target)) throw new IOException("template version " + template + ":" + version + " already exists on storage '" + name + "': " + target);
        Path tmp = folders.publishDir(template, version);
        Files.createDirectories(tmp.getParent());
        Trees.delete(tmp);
        Files.createDirectory(tmp);
        try {
            Staged staged = new Staged(tmp);
            writer.write(staged);
            if (!Files.isRegularFile(staged.baseImage()) || !Files.isRegularFile(staged.manifest())) {
                throw new IOException("publish of " + template + ":" + version + " wrote no " + BASE_IMAGE + " or " + Manifest.FILE_NAME);
            }
            // a template version is never written again: clones read it, so make that visible in its modes
            try (var walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    if (Files.isDirectory(p)) {
                        if (!p.equals(tmp)) Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r-xr-xr-x"));
                    } else {
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--r--r--"));
                        MetadataFolders.fsync(p);
                    }
                }
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r-xr-xr-x"));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("storage '" + name + "' cannot rename atomically: " + e.getMessage(), e);
            }
            MetadataFolders.fsyncDir(target.getParent());
            return files(template, version, target);
        } catch (IOException | RuntimeException e) {
            Trees.delete(tmp);
            throw e;
        }
    }

    /**
     * A version folder being written: base image {@value #BASE_IMAGE} (qcow2), the capture overlay a qcow2 file on it
     * at a relative path, everything else files beside them.
     */
    private final class Staged implements StagedVersion {
        private final Path dir;

        Staged(Path dir) { this.dir = dir; }

        @Override public Path dir() { return dir; }
        @Override public Path manifest() { return dir.resolve(Manifest.FILE_NAME); }
        Path baseImage() { return dir.resolve(BASE_IMAGE); }

        @Override
        public Volume importBaseImage(Path src, String format, Import how) throws IOException {
            Path base = baseImage();
            if (how == Import.TAKE && BASE_FORMAT.equals(format)) {
                // converted and checked already (a build's), or verified (a download): a rename on one filesystem
                try {
                    Files.move(src, base, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.copy(src, base);
                }
            } else {
                qemuImg.convert(src, format, base, BASE_FORMAT, how == Import.COMPRESS);
            }
            qemuImg.check(base, BASE_FORMAT);
            return Volume.file(base, BASE_FORMAT);
        }

        @Override
        public Volume copyBaseImage(Volume src) throws IOException {
            if (src.isFile() && BASE_FORMAT.equals(src.format())) {
                Files.copy(src.path(), baseImage());
            } else {
                // from a storage without files (a raw image in a pool): converted, never a byte copy into qcow2
                qemuImg.convert(src.target(), src.format(), baseImage().toString(), BASE_FORMAT, false);
            }
            return Volume.file(baseImage(), BASE_FORMAT);
        }

        @Override
        public Volume importCaptureDisk(Path overlay, String name) throws IOException {
            Path into = into(name);
            Files.move(overlay, into);
            return Volume.file(into, "qcow2");
        }

        /**
         * A qcow2 overlay from another dir storage is copied as it is (its relative backing path fits the same layout);
         * the whole disk state of another kind of storage is converted onto this version's base image.
         */
        @Override
        public Volume copyCaptureDisk(Volume src, String name) throws IOException {
            Path into = into(name);
            if (src.isFile() && "qcow2".equals(src.format())) {
                Files.copy(src.path(), into);
            } else {
                qemuImg.convertOnto(src.target(), src.format(), into, into.getParent().relativize(baseImage()).toString(), BASE_FORMAT);
            }
            return Volume.file(into, "qcow2");
        }

        private Path into(String name) throws IOException {
            Path into = dir.resolve(name).normalize();
            if (!into.startsWith(dir)) throw new IOException("not a file inside the version: " + name);
            Files.createDirectories(into.getParent());
            return into;
        }
    }

    private TemplateFiles files(String template, int version, Path dir) {
        return new TemplateFiles(name, template, version, dir, Volume.file(dir.resolve(BASE_IMAGE), BASE_FORMAT),
                dir.resolve(Manifest.FILE_NAME));
    }

    @Override
    public Optional<TemplateFiles> locate(String template, int version) {
        Path dir = versionDir(template, version);
        return Files.isRegularFile(dir.resolve(BASE_IMAGE)) ? Optional.of(files(template, version, dir)) : Optional.empty();
    }

    /** The capture overlay in the version directory (qcow2, backed by the base image). */
    @Override
    public Volume captureDisk(TemplateFiles version, Manifest.Ram ram) {
        return Volume.file(version.dir().resolve(ram.captureOverlay().file()), "qcow2");
    }

    @Override
    public CloneFiles createLinkedClone(TemplateFiles version, Volume parent, String clone) throws IOException {
        require(Feature.LINKED_CLONE, FeatureTable.State.BASE, parent.format());
        if (!version.storage().equals(name) || !parent.isFile() || !parent.path().startsWith(version.dir())) {
            throw new UserError("a linked clone cannot change storage: " + version.template() + ":" + version.version()
                    + " is on storage '" + version.storage() + "', not '" + name + "'");
        }
        Path dir = startClone(clone, version.template() + ":" + version.version());
        try {
            Path disk = dir.resolve("disk.qcow2");
            String relative = dir.relativize(parent.path()).toString();
            qemuImg.createOverlay(disk, relative, parent.format());
            return new CloneFiles(name, clone, dir, Volume.file(disk, "qcow2"), false);
        } catch (IOException | RuntimeException e) {
            Trees.delete(dir);
            throw e;
        }
    }

    @Override
    public CloneFiles createFullClone(Volume source, String clone, String format) throws IOException {
        QemuImg.checkFormat(format);
        require(Feature.FULL_CLONE, FeatureTable.State.BASE, source.format());
        features.requireFormat(name, TYPE, format);
        Path dir = startClone(clone, null);
        try {
            Path disk = dir.resolve("disk." + format);
            boolean sameFile = source.isFile() && format.equals(source.format());
            boolean reflinked = sameFile && features.has(Feature.REFLINK, FeatureTable.State.BASE, format) && reflink(source.path(), disk);
            if (reflinked) {
                Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("rw-r--r--"));
            } else if (sameFile && DiskCopy.standsAlone(source.path(), format)) {
                DiskCopy.copy(source.path(), disk);
            } else {
                qemuImg.convert(source.target(), source.format(), disk.toString(), format, false);
            }
            return new CloneFiles(name, clone, dir, Volume.file(disk, format), reflinked);
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
        return folders.claimClone(this, clone, parentRef);
    }

    @Override
    public Optional<CloneFiles> locateClone(String clone) {
        Path dir = cloneDir(clone);
        if (!Files.isDirectory(dir)) return Optional.empty();
        for (String format : QemuImg.FORMATS) {
            Path disk = dir.resolve("disk." + format);
            if (Files.isRegularFile(disk)) return Optional.of(new CloneFiles(name, clone, dir, Volume.file(disk, format), false));
        }
        return Optional.of(new CloneFiles(name, clone, dir, null, false));
    }

    /**
     * Renamed out of the way first (the name is free at once), then deleted; what an interrupted removal of the
     * same clone left aside goes too ({@code ingot rm} run again finishes it).
     */
    @Override
    public void deleteClone(String clone) throws IOException {
        Path renamed = folders.setAsideClone(clone);
        if (renamed != null) {
            PausePoint.at("clone-rm:renamed");
            Trees.delete(renamed);
        }
        folders.finishDeletingClone(clone);
    }

    /**
     * Renamed to {@code .deleting-VERSION-PID} first, so that nothing ever takes a half-deleted version for a whole
     * one (the recovery step and reindex finish such folders), then deleted.
     */
    @Override
    public void deleteVersion(String template, int version) throws IOException {
        Path renamed = folders.setAsideVersion(template, version);
        if (renamed != null) PausePoint.at("version-rm:renamed");
        folders.finishDeletingVersion(template, version);
    }

    @Override
    public List<Manifest> listVersions() throws IOException {
        List<Manifest> out = new ArrayList<>();
        Path templates = folders.templates();
        if (!Files.isDirectory(templates)) return out;
        try (Stream<Path> names = Files.list(templates)) {
            for (Path t : names.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> versions = Files.list(t)) {
                    for (Path v : versions.filter(p -> MetadataFolders.VERSION_DIR.matcher(p.getFileName().toString()).matches()).toList()) {
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
        return folders.cleanLeftovers();
    }
}
