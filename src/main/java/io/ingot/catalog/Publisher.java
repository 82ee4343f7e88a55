package io.ingot.catalog;

import io.ingot.storage.Feature;
import io.ingot.storage.QemuImg;
import io.ingot.storage.StagedVersion;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.Storages;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Publishes a sealed disk as the next version of a template: files first (temporary name, renamed
 * into place), catalog rows last, so a crash leaves either the old state or the new one.
 */
public final class Publisher {
    /** Test hook: {@code before-rename} or {@code before-catalog} makes publish stop there until killed. */
    public static final String PAUSE_ENV = "INGOT_TEST_PUBLISH_PAUSE";
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    private final Catalog catalog;
    private final Storages storages;
    private final QemuImg qemuImg;
    private final TemplateVersions versions;
    private final String pauseAt;

    public Publisher(Catalog catalog, Storages storages, QemuImg qemuImg, TemplateVersions versions, String pauseAt) {
        this.catalog = catalog;
        this.storages = storages;
        this.qemuImg = qemuImg;
        this.versions = versions;
        this.pauseAt = pauseAt;
    }

    public TemplateVersion publish(PublishRequest req) throws IOException {
        String name = TemplateRef.checkName(req.template(), "template name");
        if (req.channel() != null) TemplateRef.checkName(req.channel(), "channel name");
        QemuImg.checkFormat(req.diskFormat());
        if (!Files.isRegularFile(req.disk())) throw new UserError("no disk to publish at " + req.disk());
        List<StorageBackend> targets = new ArrayList<>();
        for (String s : req.storages()) {
            StorageBackend b = storages.get(s);
            b.require(Feature.TEMPLATE);
            targets.add(b);
        }
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

        List<TemplateFiles> written = new ArrayList<>();
        Manifest[] finalManifest = new Manifest[1];
        try {
            for (StorageBackend target : targets) {
                Manifest m0 = base;
                TemplateFiles first = written.isEmpty() ? null : written.get(0);
                written.add(target.publishVersion(name, version, staged -> {
                    if (first == null) {
                        finalManifest[0] = writeBase(req, staged, m0);
                        for (var extra : req.extraFiles().entrySet()) {
                            if (extra.getKey().equals(captureFile(m0)) && staged.captureDisk() != null) {
                                // follows the overlay's backing file (the build's base image): the full disk state
                                qemuImg.convert(extra.getValue(), "qcow2", staged.captureDisk(), staged.format(), false);
                                Files.delete(extra.getValue());
                                continue;
                            }
                            Path into = staged.dir().resolve(extra.getKey());
                            Files.createDirectories(into.getParent());
                            Files.move(extra.getValue(), into);
                        }
                        // the capture overlay, converted above, was backed by it
                        if (req.baseReady() && !"qcow2".equals(staged.format())) Files.deleteIfExists(req.disk());
                    } else {
                        if ("qcow2".equals(staged.format()) && "qcow2".equals(first.format())) {
                            Files.copy(first.baseImage(), staged.baseImage());
                        } else {
                            // another kind of storage (rbd: a raw image in the cluster): convert, never copy bytes
                            qemuImg.convert(first.baseImage(), first.format(), staged.baseImage(), staged.format(), false);
                        }
                        StorageBackend firstStorage = storages.get(first.storage());
                        for (String extra : req.extraFiles().keySet()) {
                            Path into = staged.dir().resolve(extra);
                            Files.createDirectories(into.getParent());
                            if (extra.equals(captureFile(m0))) {
                                copyCaptureDisk(firstStorage.captureDisk(first, m0.ram()), staged, into);
                            } else {
                                Files.copy(first.dir().resolve(extra), into);
                            }
                        }
                    }
                    finalManifest[0].write(staged.manifest());
                    pause("before-rename");
                }));
            }
            pause("before-catalog");
            TemplateVersion v = new TemplateVersion(name, version, finalManifest[0].buildId(), req.storages(), finalManifest[0], now, false);
            catalog.addVersion(v, req.channel());
            LOG.info("published {} to {}", v.ref(), String.join(", ", req.storages()));
            try {
                versions.prune(name);
            } catch (RuntimeException | IOException e) {
                LOG.warn("retention for {} failed: {}", name, e.getMessage());
            }
            return v;
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
     * Registers a version fetched complete from elsewhere ({@code ingot pull}) under its own name and version,
     * manifest and lineage kept: {@code files} (name in the version directory -> downloaded, verified file) are
     * moved into place under a temporary name and renamed, the catalog row is written last.
     */
    public TemplateVersion register(Manifest manifest, java.util.Map<String, Path> files, String storage, String channel)
            throws IOException {
        String name = TemplateRef.checkName(manifest.name(), "template name");
        if (manifest.version() == null || manifest.disk() == null) throw new UserError("manifest of " + name + " has no version or disk");
        int version = manifest.version();
        if (catalog.version(name, version).isPresent()) throw new UserError("template version " + name + ":" + version + " is already in the local catalog");
        StorageBackend target = storages.get(storage);
        target.require(Feature.TEMPLATE);
        target.publishVersion(name, version, staged -> {
            for (java.util.Map.Entry<String, Path> e : files.entrySet()) {
                if (e.getKey().equals(Manifest.FILE_NAME)) continue;
                Path to = e.getKey().equals(manifest.disk().file()) ? staged.baseImage() : staged.dir().resolve(TemplateRef.checkVersionFile(e.getKey()));
                Files.createDirectories(to.getParent());
                Files.move(e.getValue(), to);
            }
            // the manifest as it came (its sha256 was checked), else as parsed
            if (files.containsKey(Manifest.FILE_NAME)) Files.move(files.get(Manifest.FILE_NAME), staged.manifest());
            else manifest.write(staged.manifest());
        });
        TemplateVersion v = new TemplateVersion(name, version, manifest.buildId(), List.of(storage), manifest,
                manifest.createdAt() == null ? Instant.now() : manifest.createdAt(), false);
        try {
            catalog.addVersion(v, channel);
        } catch (RuntimeException e) {
            target.deleteVersion(name, version);
            throw e;
        }
        LOG.info("registered {} on {}", v.ref(), storage);
        return v;
    }

    private Manifest writeBase(PublishRequest req, StagedVersion staged, Manifest m) throws IOException {
        if (!"qcow2".equals(staged.format())) {
            // not a file (rbd): converted straight into the storage; its sha256 would mean reading it all back
            qemuImg.convert(req.disk(), req.diskFormat(), staged.baseImage(), staged.format(), false);
            long virtualSize = qemuImg.info(req.disk()).virtualSize();
            // a ready base image is consumed, as the rename below consumes it: after the RAM template's capture overlay
            return m.withDisk(new Manifest.Disk("base-" + m.name() + "-" + m.version(), staged.format(),
                    virtualSize, null, null));
        }
        if (req.baseReady()) {
            // converted and verified by the build: a rename on the same filesystem, else a copy
            try {
                Files.move(req.disk(), staged.baseImage(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.copy(req.disk(), staged.baseImage());
            }
        } else {
            qemuImg.convert(req.disk(), req.diskFormat(), staged.baseImage(), "qcow2", req.compress());
        }
        qemuImg.check(staged.baseImage(), "qcow2");
        QemuImg.Info info = qemuImg.info(staged.baseImage());
        return m.withDisk(new Manifest.Disk(staged.baseImage().getFileName().toString(), "qcow2",
                info.virtualSize(), Files.size(staged.baseImage()), sha256(staged.baseImage())));
    }

    /** The capture overlay's name among the extra files (null: no RAM template). */
    private static String captureFile(Manifest m) {
        return m.ram() == null ? null : m.ram().captureOverlay().file();
    }

    /**
     * The RAM template's capture disk from the first storage to another: where the backend keeps it as an image
     * of its own, converted (the full disk state); where it keeps a qcow2 overlay on the base image, a plain copy
     * when the source is that overlay too (its relative backing path fits the same layout), else converted onto
     * the base image just written.
     */
    private void copyCaptureDisk(TemplateFiles from, StagedVersion staged, Path overlayInto) throws IOException {
        if (staged.captureDisk() != null) {
            qemuImg.convert(from.baseImage(), from.format(), staged.captureDisk(), staged.format(), false);
        } else if ("qcow2".equals(from.format())) {
            Files.copy(from.baseImage(), overlayInto);
        } else {
            qemuImg.convertOnto(from.baseImage(), from.format(), overlayInto,
                    overlayInto.getParent().relativize(staged.baseImage()).toString(), staged.format());
        }
    }

    private void pause(String point) {
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

    public static String sha256(Path file) throws IOException {
        return io.ingot.media.Checksum.sha256(file).hex();
    }
}
