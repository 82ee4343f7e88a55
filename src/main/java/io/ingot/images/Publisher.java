package io.ingot.images;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.ChannelMove;
import io.ingot.catalog.TemplateVersion;
import io.ingot.qemu.ImageCheck;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.DirStorage;
import io.ingot.storage.Feature;
import io.ingot.storage.FeatureTable.State;
import io.ingot.storage.StagedVersion;
import io.ingot.storage.StagedVersion.Import;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.Storages;
import io.ingot.storage.TemplateFiles;
import io.ingot.storage.Volume;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.trust.Provenance;
import io.ingot.trust.Verified;
import io.ingot.trust.VersionTrust;
import io.ingot.util.PausePoint;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Publishes a sealed disk as the next version of a template: files first (temporary name, renamed
 * into place), catalog rows last, so a crash leaves either the old state or the new one. Every version that comes
 * in, built here or fetched, passes through here and so through the import check ({@link ImageCheck}).
 */
public final class Publisher {
    /** Test hook: {@code before-rename} or {@code before-catalog} makes publish stop there until killed. */
    public static final String PAUSE_ENV = "INGOT_TEST_PUBLISH_PAUSE";
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    private final Catalog catalog;
    private final Storages storages;
    private final QemuImg qemuImg;
    private final ImageCheck imageCheck;
    private final TemplateVersions versions;
    private final VersionTrust trust;
    private final String pauseAt;

    public Publisher(Catalog catalog, Storages storages, QemuImg qemuImg, ImageCheck imageCheck, TemplateVersions versions,
                     VersionTrust trust, String pauseAt) {
        this.catalog = catalog;
        this.storages = storages;
        this.qemuImg = qemuImg;
        this.imageCheck = imageCheck;
        this.versions = versions;
        this.trust = trust;
        this.pauseAt = pauseAt;
    }

    /** A version published or registered, and what became of the channel it named (null: none). */
    public record Published(TemplateVersion version, ChannelMove channel) { }

    /** {@link #publishVersion}, for a caller that does not report the channel. */
    public TemplateVersion publish(PublishRequest req) throws IOException {
        return publishVersion(req).version();
    }

    /** Publishes; the request's channel moves to the new version unless it points at a newer one already. */
    public Published publishVersion(PublishRequest req) throws IOException {
        String name = TemplateRef.checkName(req.template(), "template name");
        if (req.channel() != null) TemplateRef.checkName(req.channel(), "channel name");
        QemuImg.checkFormat(req.diskFormat());
        if (!Files.isRegularFile(req.disk())) throw new UserError("no disk to publish at " + req.disk());
        List<StorageBackend> targets = new ArrayList<>();
        for (String s : req.storages()) {
            StorageBackend b = storages.get(s);
            b.require(Feature.TEMPLATE, State.CURRENT, req.diskFormat());
            targets.add(b);
        }
        String capture = captureFile(req.manifest());
        admit(req.disk(), req.diskFormat(), req.disk().getFileName().toString(), name,
                capture, capture == null ? null : req.extraFiles().get(capture));
        // a build of the fleet publishes under the number the daemon reserved for it when it was queued
        int version = req.version() != null ? req.version() : catalog.reserveVersion(name);
        Instant now = Instant.now();
        Manifest base = req.manifest().withIdentity(name, version, now);
        if (base.parent() != null && base.lineage().isEmpty()) {
            // the parent's own lineage, then the parent: oldest ancestor first
            List<Manifest.Ancestor> lineage = new ArrayList<>();
            try {
                Manifest parent = catalog.resolve(TemplateRef.parse(base.parent())).manifest();
                lineage.addAll(parent.lineage());
                lineage.add(parent.asAncestor());
            } catch (UserError e) {
                LOG.warn("parent {} of {}:{} is not in the catalog: {}", base.parent(), name, version, e.getMessage());
                lineage.add(new Manifest.Ancestor(base.parent(), null, null, null));
            }
            base = base.withLineage(base.parent(), lineage);
        }
        // a ready base image (the build's, converted and checked) is given up: renamed into place where it can be
        Import how = req.baseReady() ? Import.TAKE : req.compress() ? Import.COMPRESS : Import.COPY;

        List<TemplateFiles> written = new ArrayList<>();
        Manifest[] finalManifest = new Manifest[1];
        try {
            for (StorageBackend target : targets) {
                Manifest m0 = base;
                TemplateFiles first = written.isEmpty() ? null : written.get(0);
                written.add(target.publishVersion(name, version, staged -> {
                    if (first == null) {
                        Volume disk = importFiles(staged, req.disk(), req.diskFormat(), how, req.extraFiles(), captureFile(m0));
                        finalManifest[0] = m0.withDisk(describe(disk, req.disk(), req.diskFormat(), null));
                    } else {
                        copyFiles(staged, first, storages.get(first.storage()), m0, req.extraFiles().keySet());
                    }
                    finalManifest[0].write(staged.manifest());
                    // signed with the site's key: every file of the version, this storage's copy
                    trust.sign(staged.dir(), knownDigests(finalManifest[0]), Provenance.predicate(finalManifest[0], req.provenance()));
                    pause("before-rename");
                }));
            }
            // what a storage converted instead of taking it
            if (how == Import.TAKE) Files.deleteIfExists(req.disk());
            pause("before-catalog");
            TemplateVersion v = new TemplateVersion(name, version, finalManifest[0].buildId(), req.storages(), finalManifest[0], now, false);
            ChannelMove move = catalog.addVersion(v, req.channel());
            LOG.info("published {} to {}", v.ref(), String.join(", ", req.storages()));
            if (move != null && !move.moved()) LOG.info(move.note());
            try {
                versions.prune(name);
            } catch (RuntimeException | IOException e) {
                LOG.warn("retention for {} failed: {}", name, e.getMessage());
            }
            return new Published(v, move);
        } catch (IOException | RuntimeException e) {
            for (TemplateFiles f : written) {
                try {
                    storages.get(f.storage()).deleteVersion(name, version);
                } catch (IOException ex) {
                    e.addSuppressed(ex);
                }
            }
            throw e;
        }
    }

    /**
     * Registers a version fetched complete from elsewhere ({@code ingot pull}, {@code ingot s3 pull}) under its own
     * name and version, manifest and lineage kept, through the same staging as a build's publish: {@code files}
     * (name in the version folder -> downloaded, verified file; the base image under the manifest's name for it) are
     * imported by the storage under a temporary name and renamed, the catalog row is written last. The manifest is
     * kept as it came unless the storage keeps the base image otherwise (another name or format: rbd's raw image).
     * Its disks pass the import check first ({@link #admit}): a refused version never reaches a storage.
     */
    public TemplateVersion register(Manifest manifest, Map<String, Path> files, String storage, String channel)
            throws IOException {
        return registerVersion(manifest, files, storage, channel).version();
    }

    /** {@link #register}, saying what became of the channel (it moves only forward, as with a publish). */
    public Published registerVersion(Manifest manifest, Map<String, Path> files, String storage, String channel)
            throws IOException {
        return registerVersion(manifest, files, storage, channel, null);
    }

    /**
     * {@link #registerVersion}, of a version whose provenance the caller verified ({@code verified}; null: it came
     * unsigned and stays so): signed again with this site's key over its files as stored here, predicate kept.
     */
    public Published registerVersion(Manifest manifest, Map<String, Path> files, String storage, String channel, Verified verified)
            throws IOException {
        String name = TemplateRef.checkName(manifest.name(), "template name");
        if (manifest.version() == null || manifest.disk() == null) throw new UserError("manifest of " + name + " has no version or disk");
        int version = manifest.version();
        if (catalog.version(name, version).isPresent()) throw new UserError("template version " + name + ":" + version + " is already in the local catalog");
        Path disk = files.get(manifest.disk().file());
        if (disk == null) throw new UserError("no base image " + manifest.disk().file() + " among the files of " + name + ":" + version);
        String diskFormat = QemuImg.checkFormat(manifest.disk().format());
        StorageBackend target = storages.get(storage);
        target.require(Feature.TEMPLATE, State.CURRENT, diskFormat);
        Map<String, Path> others = new LinkedHashMap<>(files);
        others.remove(Manifest.FILE_NAME);
        others.remove(VersionTrust.ENVELOPE); // signed again below, over the files as this storage keeps them
        others.remove(manifest.disk().file());
        String capture = captureFile(manifest);
        Path overlay = capture == null ? null : others.get(capture);
        LOG.debug("register {}:{}: import check", name, version);
        ImageCheck.Facts captured = admit(disk, diskFormat, manifest.disk().file(), name + ":" + version, capture, overlay);
        if (captured != null) backOnto(overlay, captured.backing(), disk);
        LOG.debug("register {}:{}: import checked", name, version);
        Manifest[] stored = new Manifest[1];
        target.publishVersion(name, version, staged -> {
            Volume base = importFiles(staged, disk, diskFormat, Import.TAKE, others, capture);
            boolean asItCame = base.name().equals(manifest.disk().file()) && base.format().equals(diskFormat);
            if (asItCame && files.containsKey(Manifest.FILE_NAME)) {
                // the manifest as it came (its sha256 was checked)
                Files.move(files.get(Manifest.FILE_NAME), staged.manifest());
                stored[0] = manifest;
            } else {
                stored[0] = asItCame ? manifest : manifest.withDisk(describe(base, null, null, manifest.disk()));
                stored[0].write(staged.manifest());
            }
            LOG.debug("register {}:{}: imported", name, version);
            if (verified != null) trust.sign(staged.dir(), knownDigests(stored[0]), verified.predicate());
            LOG.debug("register {}:{}: signed", name, version);
        });
        LOG.debug("register {}:{}: stored", name, version);
        if (files.containsKey(VersionTrust.ENVELOPE)) Files.deleteIfExists(files.get(VersionTrust.ENVELOPE));
        Files.deleteIfExists(disk); // what a storage converted instead of taking it
        TemplateVersion v = new TemplateVersion(name, version, manifest.buildId(), List.of(storage), stored[0],
                manifest.createdAt() == null ? Instant.now() : manifest.createdAt(), false);
        ChannelMove move;
        try {
            move = catalog.addVersion(v, channel);
        } catch (RuntimeException e) {
            target.deleteVersion(name, version);
            throw e;
        }
        LOG.info("registered {} on {}", v.ref(), storage);
        if (move != null && !move.moved()) LOG.info(move.note());
        return new Published(v, move);
    }

    /**
     * The first storage of a version: the base image and the RAM template's capture disk imported by the storage,
     * the other files (the RAM template's memory and state) moved into its folder. Base image first: the capture
     * disk is an overlay on it.
     */
    private static Volume importFiles(StagedVersion staged, Path disk, String format, Import how, Map<String, Path> files,
                                      String captureFile) throws IOException {
        Volume base = staged.importBaseImage(disk, format, how);
        for (Map.Entry<String, Path> f : files.entrySet()) {
            String file = TemplateRef.checkVersionFile(f.getKey());
            if (file.equals(captureFile)) {
                staged.importCaptureDisk(f.getValue(), file);
            } else {
                Path into = staged.dir().resolve(file);
                Files.createDirectories(into.getParent());
                Files.move(f.getValue(), into);
            }
        }
        return base;
    }

    /** Another storage of the same version: everything copied from the first one, as that storage keeps it. */
    private static void copyFiles(StagedVersion staged, TemplateFiles first, StorageBackend firstStorage, Manifest m,
                                  Iterable<String> files) throws IOException {
        staged.copyBaseImage(first.baseImage());
        for (String file : files) {
            if (file.equals(captureFile(m))) {
                staged.copyCaptureDisk(firstStorage.captureDisk(first, m.ram()), file);
            } else {
                Path into = staged.dir().resolve(file);
                Files.createDirectories(into.getParent());
                Files.copy(first.dir().resolve(file), into);
            }
        }
    }

    /**
     * The manifest's record of a stored base image: a file's size and sha256 (from {@code known} when it is the
     * same bytes, a verified download), else the image's name, format and the source's virtual size.
     */
    private Manifest.Disk describe(Volume stored, Path source, String sourceFormat, Manifest.Disk known) throws IOException {
        if (stored.isFile()) {
            if (known != null && known.sha256() != null && stored.format().equals(known.format())) {
                return new Manifest.Disk(stored.name(), stored.format(), known.virtualSize(), known.actualSize(), known.sha256());
            }
            QemuImg.Info info = qemuImg.info(stored.path(), stored.format());
            return new Manifest.Disk(stored.name(), stored.format(), info.virtualSize(), Files.size(stored.path()), Sha256.of(stored.path()));
        }
        // not a file: its sha256 would mean reading it all back
        long virtualSize = known != null ? known.virtualSize() : qemuImg.info(source, sourceFormat).virtualSize();
        return new Manifest.Disk(stored.name(), stored.format(), virtualSize, null, null);
    }

    /**
     * Every disk of a version that comes in passes {@link ImageCheck} before anything reads it with what it names:
     * the base image stands alone, in the format it is said to have; a RAM template's capture overlay is a qcow2 on
     * the version's base image and nothing else, named relative to it from the overlay's folder (ram/overlay.qcow2:
     * {@code ../base.qcow2}) under the name the base came with or the one a dir storage keeps it under (a version
     * pushed to S3 travels as disk.qcow2). Returns the overlay's facts (null: no overlay).
     */
    private ImageCheck.Facts admit(Path disk, String format, String diskName, String of, String capture, Path overlay)
            throws IOException {
        imageCheck.check(disk, diskName + " of " + of, ImageCheck.Policy.standalone(format));
        if (capture == null || overlay == null) return null;
        String up = "../".repeat(capture.split("/").length - 1);
        List<String> bases = Stream.of(diskName, DirStorage.BASE_IMAGE).distinct().map(b -> up + b).toList();
        return imageCheck.check(overlay, capture + " of " + of, ImageCheck.Policy.overlay(bases, format));
    }

    /**
     * A downloaded capture overlay (checked: it names the version's base image) reads the downloaded base: linked
     * there under the name the overlay gives when the download keeps the base under another.
     */
    private static void backOnto(Path overlay, String backingName, Path disk) throws IOException {
        if (backingName == null) return;
        Path backing = overlay.toAbsolutePath().normalize().resolveSibling(backingName).normalize();
        if (!backing.equals(disk.toAbsolutePath().normalize())) {
            Files.deleteIfExists(backing);
            Files.createSymbolicLink(backing, disk.toAbsolutePath());
        }
    }

    /**
     * Digests this process has of a version's large files, computed of the same bytes (the base image it stored, a
     * verified download; the RAM template's memory and state, moved as they are). The capture overlay, which a
     * storage may rebase, is hashed again.
     */
    private static Map<String, String> knownDigests(Manifest m) {
        Map<String, String> known = new LinkedHashMap<>();
        if (m.disk() != null && m.disk().sha256() != null) known.put(m.disk().file(), m.disk().sha256());
        if (m.ram() != null) {
            for (Manifest.RamFile f : new Manifest.RamFile[] {m.ram().memoryFile(), m.ram().stateFile()}) {
                if (f != null && f.file() != null && f.sha256() != null) known.put(f.file(), f.sha256());
            }
        }
        return known;
    }

    /** The capture overlay's name among the extra files (null: no RAM template). */
    private static String captureFile(Manifest m) {
        return m.ram() == null ? null : m.ram().captureOverlay().file();
    }

    private void pause(String point) {
        PausePoint.at("publish:" + point);
        if (!point.equals(pauseAt)) return;
        System.err.println("INGOT-PUBLISH-PAUSED " + point);
        System.err.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("publish interrupted at " + point);
        }
    }
}
