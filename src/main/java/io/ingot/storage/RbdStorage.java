package io.ingot.storage;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.util.Command;
import io.ingot.util.Json;
import io.ingot.util.PausePoint;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Storage type {@code rbd}: Ceph RBD images, driven through the {@code rbd} CLI (cephx user {@code client})
 * and opened by QEMU's rbd driver through {@code rbd:POOL/IMAGE:conf=...:id=...} URIs, always raw.
 * <pre>
 * POOL/base-NAME-VERSION@base      a template version: raw image, snapshot "base", protected;
 *                                  its manifest also in the image's metadata (key ingot.manifest)
 * POOL/ram-NAME-VERSION@base       a version's RAM template disk: the full disk state at capture time, raw,
 *                                  snapshot "base", protected; memory clones are its RBD children
 * POOL/vm-CLONE-disk-0             a linked clone (an RBD child of the snapshot) or a full clone
 * POOL/tmp-base-NAME-VERSION-PID   a publish in progress (removed by the recovery step when PID is dead); tmp-ram-... likewise
 * POOL/deleting-IMAGE-PID          an image being removed: renamed first, so a half-removed one is never taken for whole
 * LOCAL/templates/NAME/VERSION/manifest.json   a local copy of the manifest
 * LOCAL/templates/NAME/template.json           the template's channels and revoked versions (the catalog's, mirrored)
 * LOCAL/templates/NAME/VERSION/ram/{memory,state}   a RAM template's memory and device state, read-only
 * LOCAL/clones/CLONE/{vm.json, seed.iso, run.json}   what QEMU needs on the node besides the disk
 * </pre>
 * LOCAL is {@code <images>/rbd/<storage name>/}. Ceph refuses to unprotect a snapshot with children;
 * ingot checks {@code rbd children} first to say which. RAM templates (memory and state files) are not
 * kept in RBD: they stay on a filesystem the node maps, under LOCAL/templates/NAME/VERSION/ (see docs/storage.md).
 */
public final class RbdStorage implements StorageBackend {
    public static final String TYPE = "rbd";
    public static final String SNAPSHOT = "base";
    private static final String MANIFEST_KEY = "ingot.manifest";
    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    private static final Logger LOG = LoggerFactory.getLogger(RbdStorage.class);
    private static final Pattern BASE = Pattern.compile("base-(.+)-([1-9]\\d{0,8})");
    private static final Pattern TMP = Pattern.compile("tmp-(?:base|ram)-.+-(\\d+)");
    private static final Pattern DELETING = Pattern.compile("deleting-.+-(\\d+)");

    /** Where and as whom: pool, ceph.conf, cephx user (without "client."), keyring (null: the conf's). */
    public record Cluster(String pool, Path conf, String client, Path keyring) {
        /** A QEMU block URI for an image (or IMAGE@SNAP) in the pool. */
        public String uri(String image) {
            return "rbd:" + pool + "/" + image + ":conf=" + conf + ":id=" + client + (keyring == null ? "" : ":keyring=" + keyring);
        }

        /** {@code rbd} with the connection arguments; a missing cluster fails within the mount timeout. */
        public List<String> rbd(String... args) {
            List<String> argv = new ArrayList<>(List.of("rbd", "-c", conf.toString(), "--id", client));
            if (keyring != null) argv.addAll(List.of("--keyring", keyring.toString()));
            argv.addAll(List.of("--client_mount_timeout", "20"));
            argv.addAll(List.of(args));
            return argv;
        }
    }

    /**
     * What an rbd storage does, by the format of the volume it starts from: it keeps raw images only; any disk
     * becomes one by conversion; linked clones are RBD children of a raw snapshot; full clones are made from any
     * format (a flattened clone within the pool, else a conversion); no reflinks.
     */
    public static final FeatureTable FEATURES = FeatureTable.of("raw")
            .allow(Feature.TEMPLATE, FeatureTable.State.CURRENT, "qcow2", "raw", "vmdk")
            .allow(Feature.LINKED_CLONE, FeatureTable.State.BASE, "raw")
            .allow(Feature.FULL_CLONE, FeatureTable.State.BASE, "qcow2", "raw", "vmdk")
            .allow(Feature.COPY, FeatureTable.State.BASE, "raw")
            .allow(Feature.COPY, FeatureTable.State.CURRENT, "raw")
            .allow(Feature.RESIZE, FeatureTable.State.CURRENT, "raw")
            .build();

    /** The type as storage.yaml names it, registered through META-INF/services. */
    public static final class Type implements StorageType {
        @Override public String name() { return TYPE; }
        @Override public Class<RbdStorage.Section> section() { return RbdStorage.Section.class; }
    }

    /**
     * {@code pool} (required), {@code conf} (default /etc/ceph/ceph.conf), the cephx user as {@code client} or
     * {@code id} (default admin), {@code keyring} (default: the conf's); relative paths are relative to the images
     * directory. Its local files live in {@code <images>/rbd/<storage>/}.
     */
    public record Section(String pool, String conf, String client, String id, String keyring, Map<String, String> options)
            implements StorageType.Section {
        @Override
        public StorageConfig.Entry define(String storage, Path images, String where) {
            if (pool == null || pool.isBlank()) throw new UserError(where + ".pool is missing (type rbd)");
            if (client != null && id != null && !client.equals(id)) {
                throw new UserError(where + ": client '" + client + "' and id '" + id + "' differ; give one");
            }
            String user = client != null ? client : id != null ? id : "admin";
            if (user.startsWith("client.")) user = user.substring("client.".length());
            Cluster cluster = new Cluster(pool, images.resolve(conf == null ? "/etc/ceph/ceph.conf" : conf).normalize(), user,
                    keyring == null ? null : images.resolve(keyring).normalize());
            Path local = images.resolve("rbd").resolve(storage);
            return new StorageConfig.Entry(TYPE, local, (name, qemuImg) -> new RbdStorage(name, cluster, local, qemuImg));
        }
    }

    private final String name;
    private final Cluster cluster;
    private final Path local;
    private final MetadataFolders folders;
    private final QemuImg qemuImg;

    public RbdStorage(String name, Cluster cluster, Path local, QemuImg qemuImg) {
        this.name = name;
        this.cluster = cluster;
        this.local = local.toAbsolutePath().normalize();
        this.folders = new MetadataFolders(this.local);
        this.qemuImg = qemuImg;
    }

    @Override public String name() { return name; }
    @Override public String type() { return TYPE; }
    @Override public FeatureTable features() { return FEATURES; }
    public Cluster cluster() { return cluster; }
    public Path local() { return local; } // <images>/rbd/<storage>/: the node's files of this storage

    public static String baseImageName(String template, int version) { return "base-" + template + "-" + version; }
    public static String ramImageName(String template, int version) { return "ram-" + template + "-" + version; }
    public static String cloneImageName(String clone) { return "vm-" + clone + "-disk-0"; }
    private String spec(String image) { return cluster.pool() + "/" + image; }
    private Path versionDir(String template, int version) { return folders.versionDir(template, version); }
    private Path cloneDir(String clone) { return folders.cloneDir(clone); }

    /** Runs rbd; a failure is an IOException quoting its stderr. */
    private String rbd(String... args) throws IOException { return Command.run(cluster.rbd(args), TIMEOUT); }

    private Command.Result rbdExec(String... args) throws IOException { return Command.exec(cluster.rbd(args), TIMEOUT); }

    /** Whether the pool has {@code image}; a cluster that cannot answer is an IOException. */
    public boolean exists(String image) throws IOException {
        Command.Result r = rbdExec("info", spec(image));
        if (r.ok()) return true;
        if (r.stderr().contains("No such file")) return false;
        throw new IOException("rbd info " + spec(image) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    }

    @Override
    public TemplateFiles publishVersion(String template, int version, StagedVersion.Writer writer) throws IOException {
        require(Feature.TEMPLATE);
        String finalName = baseImageName(template, version);
        if (exists(finalName)) throw new IOException("template version " + template + ":" + version + " already exists on storage '" + name + "': " + spec(finalName));
        String tmpName = "tmp-" + finalName + "-" + ProcessHandle.current().pid();
        String ramName = ramImageName(template, version);
        String tmpRam = "tmp-" + ramName + "-" + ProcessHandle.current().pid();
        // without its base image a RAM image is what a publish interrupted between the two renames left
        removeImage(ramName);
        Path target = versionDir(template, version);
        Path tmpDir = folders.publishDir(template, version);
        Trees.delete(tmpDir);
        Files.createDirectories(tmpDir);
        removeImage(tmpName);
        removeImage(tmpRam);
        boolean ramRenamed = false;
        try {
            StagedVersion staged = new Staged(tmpDir, finalName, tmpName, ramName, tmpRam);
            writer.write(staged);
            if (!exists(tmpName) || !Files.isRegularFile(staged.manifest())) {
                throw new IOException("publish of " + template + ":" + version + " wrote no image " + spec(tmpName) + " or " + Manifest.FILE_NAME);
            }
            rbd("image-meta", "set", spec(tmpName), MANIFEST_KEY, Files.readString(staged.manifest()));
            protectedSnapshot(tmpName, SNAPSHOT);
            makeReadOnly(tmpDir);
            if (exists(tmpRam)) {
                protectedSnapshot(tmpRam, SNAPSHOT);
                rename(tmpRam, ramName);
                ramRenamed = true;
            }
            // the base image's rename is the atomic step: before it the version does not exist under its name
            rename(tmpName, finalName);
        } catch (IOException | RuntimeException e) {
            for (String image : ramRenamed ? List.of(tmpName, ramName) : List.of(tmpName, tmpRam)) {
                try {
                    removeImage(image);
                } catch (IOException ex) {
                    e.addSuppressed(ex);
                }
            }
            Trees.delete(tmpDir);
            throw e;
        }
        Trees.delete(target);
        Files.move(tmpDir, target, StandardCopyOption.ATOMIC_MOVE);
        return files(template, version);
    }

    /**
     * A version being written: its base image and capture disk converted into raw images of their own under temporary
     * names (renamed by {@link #publishVersion}), its other files and manifest in the node's local folder.
     */
    private final class Staged implements StagedVersion {
        private final Path dir;
        private final String baseName;
        private final String tmpBase;
        private final String ramName;
        private final String tmpRam;

        Staged(Path dir, String baseName, String tmpBase, String ramName, String tmpRam) {
            this.dir = dir;
            this.baseName = baseName;
            this.tmpBase = tmpBase;
            this.ramName = ramName;
            this.tmpRam = tmpRam;
        }

        @Override public Path dir() { return dir; }
        @Override public Path manifest() { return dir.resolve(Manifest.FILE_NAME); }

        /** Converted straight into the pool, whatever {@code how}: a file's bytes are never copied into a raw image. */
        @Override
        public Volume importBaseImage(Path src, String format, Import how) throws IOException {
            return copyBaseImage(Volume.file(src, format));
        }

        @Override
        public Volume copyBaseImage(Volume src) throws IOException {
            qemuImg.convert(src.target(), src.format(), cluster.uri(tmpBase), "raw", false);
            return Volume.image(baseName, "raw", cluster.uri(tmpBase));
        }

        /** The overlay converted with its backing chain: the whole disk state at capture time, an image of its own. */
        @Override
        public Volume importCaptureDisk(Path overlay, String name) throws IOException {
            Volume stored = copyCaptureDisk(Volume.file(overlay, "qcow2"), name);
            Files.delete(overlay);
            return stored;
        }

        @Override
        public Volume copyCaptureDisk(Volume src, String name) throws IOException {
            qemuImg.convert(src.target(), src.format(), cluster.uri(tmpRam), "raw", false);
            return Volume.image(ramName, "raw", cluster.uri(tmpRam));
        }
    }

    /** A snapshot of {@code image} that children can be cloned from (Ceph clones only protected ones). */
    public void protectedSnapshot(String image, String snapshot) throws IOException {
        rbd("snap", "create", spec(image) + "@" + snapshot);
        rbd("snap", "protect", spec(image) + "@" + snapshot);
    }

    /** Renames an image within the pool; Ceph refuses a name that is taken, which makes it a claim of the name. */
    public void rename(String image, String newName) throws IOException {
        rbd("rename", spec(image), spec(newName));
    }

    /** A new empty image of {@code size} (rbd's notation, e.g. 4M); refused where the name is taken. */
    public void createImage(String image, String size) throws IOException {
        rbd("create", "--size", size, spec(image));
    }

    public List<String> images() throws IOException { // the names in the pool
        List<String> out = new ArrayList<>();
        for (JsonNode n : Json.MAPPER.readTree(rbd("ls", "--format", "json", cluster.pool()))) out.add(n.asText());
        return out;
    }

    /** A version's files are never written again: memory clones map the memory file privately and read the state. */
    private static void makeReadOnly(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--r--r--"));
            }
        }
    }

    private TemplateFiles files(String template, int version) {
        Path dir = versionDir(template, version);
        String image = baseImageName(template, version);
        return new TemplateFiles(name, template, version, dir, Volume.image(image, "raw", cluster.uri(image + "@" + SNAPSHOT)),
                dir.resolve(Manifest.FILE_NAME));
    }

    @Override
    public Optional<TemplateFiles> locate(String template, int version) {
        String image = baseImageName(template, version);
        try {
            JsonNode snaps = Json.MAPPER.readTree(rbd("snap", "ls", "--format", "json", spec(image)));
            boolean hasBase = false;
            for (JsonNode s : snaps) hasBase |= SNAPSHOT.equals(s.path("name").asText());
            if (!hasBase) return Optional.empty();
            TemplateFiles f = files(template, version);
            if (!Files.isRegularFile(f.manifest())) {
                // published from another node: the manifest travels in the image's metadata
                Files.createDirectories(f.dir());
                Files.writeString(f.manifest(), rbd("image-meta", "get", spec(image), MANIFEST_KEY));
            }
            return Optional.of(f);
        } catch (IOException e) {
            LOG.debug("{} not on storage '{}': {}", spec(image), name, e.getMessage());
            return Optional.empty();
        }
    }

    /** The clone images made from a template version's snapshot, as Ceph knows them. */
    public List<String> children(String template, int version) throws IOException {
        return children(baseImageName(template, version));
    }

    /** The memory clones' images made from a version's RAM template disk, as Ceph knows them (none without one). */
    public List<String> ramChildren(String template, int version) throws IOException {
        String image = ramImageName(template, version);
        return exists(image) ? children(image) : List.of();
    }

    private List<String> children(String image) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode c : Json.MAPPER.readTree(rbd("children", "--format", "json", spec(image) + "@" + SNAPSHOT))) {
            String pool = c.path("pool").asText();
            out.add((pool.equals(cluster.pool()) ? "" : pool + "/") + c.path("image").asText());
        }
        return out;
    }

    /** The RAM image's snapshot: the capture overlay converted to the full disk state when it was published. */
    @Override
    public Volume captureDisk(TemplateFiles version, Manifest.Ram ram) {
        String image = ramImageName(version.template(), version.version());
        return Volume.image(image, "raw", cluster.uri(image + "@" + SNAPSHOT));
    }

    @Override
    public CloneFiles createLinkedClone(TemplateFiles version, Volume parentVolume, String clone) throws IOException {
        require(Feature.LINKED_CLONE, FeatureTable.State.BASE, parentVolume.format());
        if (!version.storage().equals(name)) {
            throw new UserError("a linked clone cannot change storage: " + version.template() + ":" + version.version()
                    + " is on storage '" + version.storage() + "', not '" + name + "'");
        }
        // the version's base image, or its RAM image for a memory clone (see captureDisk)
        String parent = parentVolume.name();
        if (!parent.equals(baseImageName(version.template(), version.version())) && !parent.equals(ramImageName(version.template(), version.version()))) {
            throw new IllegalArgumentException("not an image of " + version.template() + ":" + version.version() + ": " + parentVolume);
        }
        Path dir = startClone(clone, version.template() + ":" + version.version());
        String image = cloneImageName(clone);
        try {
            rbd("clone", spec(parent) + "@" + SNAPSHOT, spec(image));
            return finishClone(clone, dir);
        } catch (IOException | RuntimeException e) {
            deleteClone(clone);
            throw e;
        }
    }

    @Override
    public CloneFiles createFullClone(Volume source, String clone, String format) throws IOException {
        require(Feature.FULL_CLONE, FeatureTable.State.BASE, source.format());
        FEATURES.requireFormat(name, TYPE, format);
        Path dir = startClone(clone, null);
        String image = cloneImageName(clone);
        try {
            if (BASE.matcher(source.name()).matches() && source.target().equals(cluster.uri(source.name() + "@" + SNAPSHOT))) {
                // same pool: Ceph copies the data itself (clone, then flatten cuts the parent link)
                rbd("clone", spec(source.name()) + "@" + SNAPSHOT, spec(image));
                rbd("flatten", "--no-progress", spec(image));
            } else {
                qemuImg.convert(source.target(), source.format(), cluster.uri(image), "raw", false);
            }
            return finishClone(clone, dir);
        } catch (IOException | RuntimeException e) {
            deleteClone(clone);
            throw e;
        }
    }

    private Path startClone(String clone, String parentRef) throws IOException {
        return folders.claimClone(this, clone, parentRef);
    }

    /** The clone's files; it stays marked as being made ({@link CloneMarker}) until the caller has recorded it. */
    private CloneFiles finishClone(String clone, Path dir) {
        return new CloneFiles(name, clone, dir, cloneVolume(clone), false);
    }

    private Volume cloneVolume(String clone) {
        return Volume.image(cloneImageName(clone), "raw", cluster.uri(cloneImageName(clone)));
    }

    @Override
    public Optional<CloneFiles> locateClone(String clone) {
        Path dir = cloneDir(clone);
        if (!Files.isDirectory(dir)) return Optional.empty();
        return Optional.of(new CloneFiles(name, clone, dir, cloneVolume(clone), false));
    }

    /** The image and the directory are renamed out of the way first (the name is free at once), then removed. */
    @Override
    public void deleteClone(String clone) throws IOException {
        String image = cloneImageName(clone);
        String aside = "deleting-" + image + "-" + ProcessHandle.current().pid();
        boolean renamed = exists(image) && rbdExec("rename", spec(image), spec(aside)).ok();
        Path dir = folders.setAsideClone(clone);
        if (dir != null) PausePoint.at("clone-rm:renamed");
        if (renamed) removeImage(aside);
        else if (exists(image)) rbd("rm", "--no-progress", spec(image));
        if (dir != null) Trees.delete(dir);
        // what an interrupted removal of the same clone left aside ('ingot rm' run again finishes it)
        Pattern leftover = Pattern.compile("deleting-" + Pattern.quote(image) + "-(\\d+)");
        for (String n : images()) {
            Matcher m = leftover.matcher(n);
            if (m.matches() && !MetadataFolders.alive(Long.parseLong(m.group(1)))) removeImage(n);
        }
        folders.finishDeletingClone(clone);
    }

    /** Refused while the snapshot has RBD children, naming them; else unprotect, purge snapshots, remove. */
    @Override
    public void deleteVersion(String template, int version) throws IOException {
        String image = baseImageName(template, version);
        if (exists(image)) {
            List<String> children = new ArrayList<>(children(template, version));
            children.addAll(ramChildren(template, version));
            if (!children.isEmpty()) {
                throw new UserError(template + ":" + version + " on storage '" + name + "' has RBD clones: "
                        + String.join(", ", children) + " (remove them first with: ingot rm CLONE)");
            }
            // renamed first: a version half-removed is never listed (or reindexed) as a whole one
            String aside = "deleting-" + image + "-" + ProcessHandle.current().pid();
            rbd("rename", spec(image), spec(aside));
            Path dir = folders.setAsideVersion(template, version);
            if (dir != null) PausePoint.at("version-rm:renamed");
            removeImage(aside);
        }
        removeImage(ramImageName(template, version));
        folders.finishDeletingVersion(template, version);
    }

    /** Removes an image with its snapshots (unprotected first); nothing where there is none. */
    public void removeImage(String image) throws IOException {
        if (!exists(image)) return;
        for (JsonNode s : Json.MAPPER.readTree(rbd("snap", "ls", "--format", "json", spec(image)))) {
            if (s.path("protected").asText().equals("true")) rbd("snap", "unprotect", spec(image) + "@" + s.path("name").asText());
        }
        rbd("snap", "purge", "--no-progress", spec(image));
        rbd("rm", "--no-progress", spec(image));
    }

    @Override
    public List<Manifest> listVersions() throws IOException {
        List<Manifest> out = new ArrayList<>();
        for (String image : images()) {
            Matcher m = BASE.matcher(image);
            if (!m.matches()) continue;
            Command.Result meta = rbdExec("image-meta", "get", spec(image), MANIFEST_KEY);
            if (!meta.ok()) {
                LOG.warn("skipping {}: no {} metadata", spec(image), MANIFEST_KEY);
                continue;
            }
            Manifest manifest = Manifest.fromJson(meta.stdout());
            if (!image.equals(baseImageName(manifest.name(), manifest.version()))) {
                LOG.warn("skipping {}: its manifest says {}", spec(image), manifest.ref());
                continue;
            }
            out.add(manifest);
        }
        out.sort(Comparator.comparing(Manifest::name).thenComparing(Manifest::version));
        return out;
    }

    @Override
    public int cleanLeftovers() throws IOException {
        int removed = 0;
        for (String image : images()) {
            Matcher m = TMP.matcher(image);
            Matcher d = DELETING.matcher(image);
            if (m.matches() && !MetadataFolders.alive(Long.parseLong(m.group(1)))) {
                LOG.info("removing leftover of an interrupted publish: {}", spec(image));
                removeImage(image);
                removed++;
            } else if (d.matches() && !MetadataFolders.alive(Long.parseLong(d.group(1)))) {
                LOG.info("finishing an interrupted removal: {}", spec(image));
                removeImage(image);
                removed++;
            }
        }
        return removed + folders.cleanLeftovers();
    }
}
