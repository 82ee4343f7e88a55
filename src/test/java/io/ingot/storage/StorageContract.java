package io.ingot.storage;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.CloneSettings;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.template.Manifest;
import io.ingot.util.Command;
import io.ingot.util.IngotPaths;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every storage backend must do, run against each type (a subclass per type says how to define one in
 * storage.yaml): publish a build's base image and RAM template through its own import, hold them as stored
 * volumes with the same contents, make linked, memory and full clones, register a pulled version (the path
 * {@code ingot pull} and {@code ingot s3 pull} take), refuse what its feature table lacks, and remove everything.
 * Real qemu-img and real disks; the storage under test is named {@code s}, beside the images' {@code local}.
 */
abstract class StorageContract {
    /** storage.yaml's entry for storage {@code s} of the type under test (indented under {@code storages:}). */
    abstract String storageYaml() throws Exception;

    /** The images directory of one test (a fresh one each time). */
    abstract Path imagesDir() throws Exception;

    private ImageStore store;
    private Path images;
    /** Names stay unique across runs: a cluster may outlive a test run's images directory. */
    private final String tag = UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void openStore() throws Exception {
        images = imagesDir();
        Files.createDirectories(images);
        Files.writeString(images.resolve(StorageConfig.FILE_NAME), "storages:\n" + storageYaml());
        store = ImageStore.open(new IngotPaths(images, images, images.resolve(".cache"), images.resolve(".ingot")));
    }

    private StorageBackend storage() { return store.storages().get("s"); }

    /** A build's output: base.qcow2 (16 MiB, 1 MiB written) and ram/{overlay.qcow2 on ../base.qcow2, memory, state}. */
    private record Build(Path dir, Path base, Path overlay, Path memory, Path state, Path expectedBase, Path expectedCapture) {
        Manifest.Ram ram() throws Exception {
            return new Manifest.Ram(file("ram/memory", memory), file("ram/state", state), file("ram/overlay.qcow2", overlay), "key");
        }

        Map<String, Path> extras() {
            return Map.of("ram/overlay.qcow2", overlay, "ram/memory", memory, "ram/state", state);
        }

        private static Manifest.RamFile file(String name, Path p) throws Exception {
            return new Manifest.RamFile(name, Sha256.of(p), Files.size(p));
        }
    }

    private Build build(String name) throws Exception {
        Path dir = images.resolve("build-" + name);
        Files.createDirectories(dir.resolve("ram"));
        Path base = dir.resolve("base.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "16M");
        run("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 0 1M", base.toString());
        Path overlay = dir.resolve("ram/overlay.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "../base.qcow2", overlay.toString());
        run("qemu-io", "-f", "qcow2", "-c", "write -P 0xcd 2M 1M", overlay.toString());
        Path memory = dir.resolve("ram/memory");
        Files.write(memory, new byte[64 << 10]);
        Path state = dir.resolve("ram/state");
        Files.writeString(state, "device state");
        // what the storage must hold, whatever it keeps it as: the same disk contents
        Path expectedBase = images.resolve("expect-" + name + "-base.raw");
        Path expectedCapture = images.resolve("expect-" + name + "-capture.raw");
        run("qemu-img", "convert", "-O", "raw", base.toString(), expectedBase.toString());
        run("qemu-img", "convert", "-O", "raw", overlay.toString(), expectedCapture.toString());
        return new Build(dir, base, overlay, memory, state, expectedBase, expectedCapture);
    }

    private static String run(String... argv) throws Exception {
        return Command.run(List.of(argv));
    }

    /** Same guest-visible contents (qemu-img compare reads through any format and driver). */
    private static void sameDisk(Path expectedRaw, Volume stored, String what) throws Exception {
        Command.Result r = Command.exec(List.of("qemu-img", "compare", "-f", "raw", "-F", stored.format(), expectedRaw.toString(), stored.target()));
        assertEquals(0, r.exitCode(), what + " differs: " + r.stdout() + r.stderr());
    }

    private TemplateVersion publishBuild(String name) throws Exception {
        Build b = build(name);
        return store.publisher().publish(PublishRequest.ofBaseImage(name, b.base(), Manifest.empty().withRam(b.ram()),
                List.of("s"), "latest", b.extras()));
    }

    @Test
    void declaresItsFormatsAndFeaturesAsATable() {
        FeatureTable t = storage().features();
        assertFalse(t.formats().isEmpty(), "it keeps volumes in some format");
        assertEquals(t.formats().get(0), t.defaultFormat());
        assertTrue(t.has(Feature.TEMPLATE, FeatureTable.State.CURRENT, "qcow2"), "a build's qcow2 disk can become a template");
        assertTrue(t.has(Feature.FULL_CLONE, FeatureTable.State.BASE, t.defaultFormat()));
        UserError e = assertThrows(UserError.class, () -> t.requireFormat("s", storage().type(), "no-such-format"));
        assertTrue(e.getMessage().contains("storage 's' (" + storage().type() + ") holds"), e.getMessage());
    }

    @Test
    void aBuildsBaseImageAndRamTemplateArePublishedThroughTheStoragesOwnImport() throws Exception {
        String name = "pub-" + tag;
        Build b = build(name);
        TemplateVersion v = store.publisher().publish(PublishRequest.ofBaseImage(name, b.base(), Manifest.empty().withRam(b.ram()),
                List.of("s"), "latest", b.extras()));
        TemplateFiles files = storage().locate(name, v.version()).orElseThrow();
        Volume base = files.baseImage();
        assertTrue(storage().features().formats().contains(base.format()), "stored in one of its formats: " + base.format());
        sameDisk(b.expectedBase(), base, "the base image");
        sameDisk(b.expectedCapture(), storage().captureDisk(files, v.manifest().ram()), "the capture disk");
        assertEquals(base.name(), v.manifest().disk().file(), "the manifest names the base image as stored");
        assertEquals(base.format(), v.manifest().disk().format());
        if (base.isFile()) assertEquals(Sha256.of(base.path()), v.manifest().disk().sha256());
        assertEquals(Sha256.of(b.expectedBase()).length(), 64);
        for (String f : List.of("ram/memory", "ram/state")) {
            Path p = files.dir().resolve(f);
            assertTrue(Files.isRegularFile(p), f + " beside the version");
            assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), f + " is read-only");
        }
        assertFalse(Files.exists(b.base()), "the build's base image was taken (renamed, or converted and removed)");
        assertTrue(storage().listVersions().stream().anyMatch(m -> m.name().equals(name) && m.version() == v.version()),
                "listed for catalog reindex");
    }

    @Test
    void linkedMemoryAndFullClonesReadTheTemplatesDisks() throws Exception {
        String name = "cl-" + tag;
        TemplateVersion v = publishBuild(name);
        TemplateFiles files = storage().locate(name, v.version()).orElseThrow();
        Path expectedBase = images.resolve("expect-" + name + "-base.raw");
        Path expectedCapture = images.resolve("expect-" + name + "-capture.raw");
        CloneService clones = store.clones();

        CloneService.Clone linked = clones.clone(v.ref(), "l-" + tag, CloneOptions.linkedClone());
        Volume linkedDisk = storage().locateClone("l-" + tag).orElseThrow().disk();
        sameDisk(expectedBase, linkedDisk, "a linked clone");
        assertEquals(files.baseImage().target(), linked.vm().disk().backing(), "its parent is recorded");

        clones.clone(v.ref(), "m-" + tag, CloneOptions.memoryClone(List.of()));
        sameDisk(expectedCapture, storage().locateClone("m-" + tag).orElseThrow().disk(), "a memory clone");

        CloneService.Clone full = clones.clone(v.ref(), "f-" + tag, CloneOptions.fullClone("s", null));
        Volume fullDisk = storage().locateClone("f-" + tag).orElseThrow().disk();
        assertEquals(storage().features().defaultFormat(), fullDisk.format(), "a full clone without --format: the default");
        sameDisk(expectedBase, fullDisk, "a full clone");
        assertEquals(fullDisk.target(), full.vm().disk().path());

        UserError refused = assertThrows(UserError.class, () -> store.versions().remove(name, v.version(), true));
        assertTrue(refused.getMessage().contains("l-" + tag), "removal refused, naming the clones: " + refused.getMessage());
        for (String c : List.of("l-", "m-", "f-")) {
            clones.remove(c + tag);
            assertTrue(storage().locateClone(c + tag).isEmpty(), c + tag + " is gone");
        }
        store.versions().remove(name, v.version(), true);
        assertTrue(storage().locate(name, v.version()).isEmpty(), "the version is gone from the storage");
    }

    @Test
    void aPulledVersionIsRegisteredThroughTheSameImport() throws Exception {
        // the files as ingot pull downloads them from another daemon: the version folder's layout
        String name = "pull-" + tag;
        Build b = build(name);
        Path download = images.resolve("download-" + name);
        Files.createDirectories(download.resolve("ram"));
        Map<String, Path> files = new LinkedHashMap<>();
        Path disk = download.resolve("base.qcow2");
        run("qemu-img", "convert", "-O", "qcow2", b.base().toString(), disk.toString());
        files.put("base.qcow2", disk);
        for (String f : List.of("ram/overlay.qcow2", "ram/memory", "ram/state")) {
            Files.copy(b.dir().resolve(f), download.resolve(f));
            files.put(f, download.resolve(f));
        }
        Manifest m = Manifest.empty().withIdentity(name, 7, java.time.Instant.now()).withRam(b.ram())
                .withDisk(new Manifest.Disk("base.qcow2", "qcow2", 16L << 20, Files.size(disk), Sha256.of(disk)));
        m.write(download.resolve(Manifest.FILE_NAME));
        files.put(Manifest.FILE_NAME, download.resolve(Manifest.FILE_NAME));

        TemplateVersion v = store.publisher().register(m, files, "s", "stable");
        assertEquals(7, v.version(), "under its own version number");
        assertEquals(7, store.catalog().resolve(io.ingot.template.TemplateRef.parse(name + "@stable")).version());
        TemplateFiles stored = storage().locate(name, 7).orElseThrow();
        sameDisk(b.expectedBase(), stored.baseImage(), "the pulled base image");
        sameDisk(b.expectedCapture(), storage().captureDisk(stored, m.ram()), "the pulled capture disk");
        assertEquals(stored.baseImage().name(), v.manifest().disk().file(), "the manifest names the base image as stored");
        Manifest onStorage = Manifest.read(stored.manifest());
        assertEquals(v.manifest().disk(), onStorage.disk());
        assertTrue(Files.isRegularFile(stored.dir().resolve("ram/memory")));

        // and it clones like a published version
        store.clones().clone(v.ref(), "p-" + tag, CloneOptions.memoryClone(List.of()));
        sameDisk(b.expectedCapture(), storage().locateClone("p-" + tag).orElseThrow().disk(), "a memory clone of the pulled version");
        store.clones().remove("p-" + tag);
        store.versions().remove(name, 7, true);
    }

    @Test
    void aPulledCaptureOverlayMayNotReachOutsideTheVersion() throws Exception {
        String name = "evil-" + tag;
        Build b = build(name);
        Path download = images.resolve("download-" + name);
        Files.createDirectories(download.resolve("ram"));
        Path disk = download.resolve("disk.qcow2");
        Files.copy(b.base(), disk);
        Path overlay = download.resolve("ram/overlay.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", b.base().toString(), overlay.toString());
        Map<String, Path> files = new HashMap<>(Map.of("disk.qcow2", disk, "ram/overlay.qcow2", overlay,
                "ram/memory", b.memory(), "ram/state", b.state()));
        Manifest m = Manifest.empty().withIdentity(name, 1, java.time.Instant.now()).withRam(b.ram())
                .withDisk(new Manifest.Disk("disk.qcow2", "qcow2", 16L << 20, Files.size(disk), Sha256.of(disk)));
        UserError e = assertThrows(UserError.class, () -> store.publisher().register(m, files, "s", null));
        assertEquals("ram/overlay.qcow2 of " + name + ":1: refused: its backing file " + b.base() + " (an absolute path on this host)"
                + " is not its version's base image (../disk.qcow2 or ../base.qcow2)", e.getMessage());
        assertTrue(storage().locate(name, 1).isEmpty());
    }

    @Test
    void clonesGetTheCpusMemoryAndLargerDiskAskedAndBadSizesMakeNothing() throws Exception {
        String name = "sz-" + tag;
        TemplateVersion v = publishBuild(name);
        CloneService clones = store.clones();
        CloneSettings bigger = CloneSettings.NONE.withCpus(3).withMemoryMiB(768).withDiskBytes(64L << 20);

        CloneService.Clone linked = clones.clone(v.ref(), "lz-" + tag, CloneOptions.linkedClone().with(bigger));
        Volume disk = storage().locateClone("lz-" + tag).orElseThrow().disk();
        assertEquals(64L << 20, virtualSize(disk), "the linked clone's disk grew");
        assertEquals(3, linked.vm().machine().cpus());
        assertEquals(768, linked.vm().machine().memoryMiB());
        sameDiskPrefix(images.resolve("expect-" + name + "-base.raw"), disk, "the template's data under the grown disk");

        String format = storage().features().has(Feature.RESIZE, FeatureTable.State.CURRENT, "raw") ? "raw" : storage().features().defaultFormat();
        clones.clone(v.ref(), "fz-" + tag, CloneOptions.fullClone("s", format).with(bigger));
        assertEquals(64L << 20, virtualSize(storage().locateClone("fz-" + tag).orElseThrow().disk()), "the full clone's disk grew");

        UserError smaller = assertThrows(UserError.class, () -> clones.clone(v.ref(), "small-" + tag,
                CloneOptions.linkedClone().with(CloneSettings.NONE.withDiskBytes(8L << 20))));
        assertEquals("--disk-size 8M is smaller than the disk of " + v.ref() + " (16M); a clone's disk can only grow", smaller.getMessage());
        UserError ram = assertThrows(UserError.class, () -> clones.clone(v.ref(), "rz-" + tag,
                CloneOptions.memoryClone(List.of()).with(CloneSettings.NONE.withCpus(4))));
        assertTrue(ram.getMessage().startsWith("a memory clone keeps its template's CPUs"), ram.getMessage());
        UserError host = assertThrows(UserError.class, () -> clones.clone(v.ref(), "hz-" + tag,
                CloneOptions.linkedClone().with(CloneSettings.NONE.withHostname("-bad-"))));
        assertTrue(host.getMessage().startsWith("--hostname '-bad-': expected"), host.getMessage());
        for (String refused : List.of("small-", "rz-", "hz-")) {
            assertTrue(storage().locateClone(refused + tag).isEmpty(), refused + ": nothing made on the storage");
            assertTrue(store.catalog().clone(refused + tag).isEmpty(), refused + ": no catalog row");
        }
        if (!storage().features().has(Feature.RESIZE, FeatureTable.State.CURRENT, "vmdk") && storage().features().formats().contains("vmdk")) {
            UserError vmdk = assertThrows(UserError.class, () -> clones.clone(v.ref(), "vz-" + tag,
                    CloneOptions.fullClone("s", "vmdk").with(CloneSettings.NONE.withDiskBytes(64L << 20))));
            assertTrue(vmdk.getMessage().contains("cannot grow disks from vmdk images"), vmdk.getMessage());
            assertTrue(storage().locateClone("vz-" + tag).isEmpty());
        }
        clones.remove("lz-" + tag);
        clones.remove("fz-" + tag);
        store.versions().remove(name, v.version(), true);
    }

    private static long virtualSize(Volume v) throws Exception {
        return new io.ingot.qemu.QemuImg().info(v.target(), v.format()).virtualSize();
    }

    /** The first bytes of {@code stored} (as big as {@code expectedRaw}) are the expected disk's. */
    private static void sameDiskPrefix(Path expectedRaw, Volume stored, String what) throws Exception {
        Path grown = expectedRaw.resolveSibling(expectedRaw.getFileName() + ".grown");
        run("qemu-img", "convert", "-f", stored.format(), "-O", "raw", stored.target(), grown.toString());
        run("truncate", "-s", String.valueOf(Files.size(expectedRaw)), grown.toString());
        assertEquals(Sha256.of(expectedRaw), Sha256.of(grown), what);
        Files.delete(grown);
    }

    @Test
    void aFailedPublishLeavesNothing() throws Exception {
        String name = "fail-" + tag;
        Build b = build(name);
        assertThrows(RuntimeException.class, () -> storage().publishVersion(name, 1, staged -> {
            staged.importBaseImage(b.base(), "qcow2");
            throw new IllegalStateException("the writer failed");
        }));
        assertTrue(storage().locate(name, 1).isEmpty(), "no version");
        assertEquals(0, storage().cleanLeftovers(), "and nothing left under a temporary name");
        assertTrue(Files.isRegularFile(b.base()), "a source given as COPY stays");
        assertNotNull(storage().listVersions());
    }
}
