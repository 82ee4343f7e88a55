package io.ingot.images;

import io.ingot.catalog.Catalog;
import io.ingot.network.NetworksFile;
import io.ingot.qemu.ImageCheck;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.StorageConfig;
import io.ingot.storage.Storages;
import io.ingot.trust.Verified;
import io.ingot.trust.VersionTrust;
import io.ingot.catalog.TemplateVersion;
import io.ingot.storage.TemplateFiles;

import java.io.IOException;
import io.ingot.util.IngotPaths;
import io.ingot.util.ProgressBar;
import io.ingot.vm.MacAddresses;
import io.ingot.vm.SeedBuilder;
import io.ingot.vm.WarmPool;

/**
 * Everything about published images, wired once: storages from storage.yaml, the catalog, the publisher,
 * version removal/retention/reindex and clones. Opening it touches no storage: what interrupted commands left
 * is the business of the recovery step ({@link #recovery()}), which builds, the daemon and
 * {@code ingot catalog reindex} / {@code ingot doctor --repair} run.
 */
public record ImageStore(IngotPaths paths, Storages storages, Catalog catalog, Publisher publisher,
                         TemplateVersions versions, CloneService clones, ManagedAccessKey accessKey, ImageCheck imageCheck) {
    public static ImageStore open(IngotPaths paths) {
        return open(paths, ProgressBar.Factory.NONE);
    }

    /** With the progress of long transfers and conversions shown through {@code progress} (the CLI's commands). */
    public static ImageStore open(IngotPaths paths, ProgressBar.Factory progress) {
        StorageConfig config = StorageConfig.load(paths.images());
        QemuImg qemuImg = new QemuImg(progress);
        Storages storages = new Storages(config, qemuImg);
        Catalog catalog = Catalog.open(paths.images().resolve(Catalog.FILE_NAME), new StorageRecords(config));
        WarmPool pool = WarmPool.of(paths);
        TemplateVersions versions = new TemplateVersions(catalog, storages, config.keepVersions(),
                ref -> pool.drain(slot -> slot.template().equals(ref)));
        // every disk that comes in passes it: the publisher's (publish, pulls, workers' results) and media.disk
        ImageCheck imageCheck = new ImageCheck(qemuImg, config.importMaxVirtualSize());
        Publisher publisher = new Publisher(catalog, storages, qemuImg, imageCheck, versions, trust(paths), System.getenv(Publisher.PAUSE_ENV));
        ManagedAccessKey key = new ManagedAccessKey(paths.state());
        CloneService clones = new CloneService(catalog, storages, new SeedBuilder(), key, new MacAddresses(config.macPrefix()),
                () -> NetworksFile.load(paths.images()));
        return new ImageStore(paths, storages, catalog, publisher, versions, clones, key, imageCheck);
    }

    /** This site's signing key and the keys it trusts: {@code images/.ingot/keys/}, {@code images/trust/}. */
    public VersionTrust trust() {
        return trust(paths);
    }

    private static VersionTrust trust(IngotPaths paths) {
        return new VersionTrust(paths.state().resolve("keys"), paths.images().resolve("trust"));
    }

    /**
     * Checks a version here again ({@code ingot verify}, {@code ingot clone --verify}): every file of its primary
     * storage's folder hashed, its envelope signed by a trusted key over exactly those files.
     */
    public Verified verify(TemplateVersion v) throws IOException {
        TemplateFiles files = CloneService.locate(storages.get(v.primaryStorage()), v);
        return trust().verifyDir(v.ref(), files.dir());
    }

    /** The limits a pull's listed files are held to before they are downloaded. */
    public PullLimits pullLimits() {
        return new PullLimits(storages);
    }

    /** The storages' and the catalog's part of the recovery step. */
    public StoreRecovery recovery() {
        return new StoreRecovery(catalog, storages, versions);
    }
}
