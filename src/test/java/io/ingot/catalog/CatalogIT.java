package io.ingot.catalog;

import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.images.TemplateVersions;
import io.ingot.qemu.ImageCheck;
import io.ingot.qemu.QemuImg;
import io.ingot.util.Command;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

class CatalogIT {
    @TempDir Path tmp;
    ImageStore store;
    final QemuImg qemuImg = new QemuImg();

    @BeforeEach
    void open() {
        store = ImageStore.open(Disks.paths(tmp));
    }

    @Test
    void publishGivesMonotonicVersionsWithReadOnlyCheckedBase() throws Exception {
        TemplateVersion v1 = store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "a.qcow2", 0xab)));
        TemplateVersion v2 = store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "b.qcow2", 0xcd)));
        assertEquals(1, v1.version());
        assertEquals(2, v2.version());
        Path base = tmp.resolve("images/templates/tiny-linux/2/base.qcow2");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(base)));
        qemuImg.check(base, "qcow2");
        Manifest m = Manifest.read(base.resolveSibling("manifest.json"));
        assertEquals("tiny-linux", m.name());
        assertEquals(2, m.version());
        assertEquals(Sha256.of(base), m.disk().sha256());
        assertEquals(64L << 20, m.disk().virtualSize());
        assertEquals(1234L, m.stageTimings().get("install"));
        assertTrue(Disks.io(base, "qcow2", "read -P 0xcd 0 1M").contains("read 1048576/1048576"));
        assertEquals(2, store.catalog().resolve(TemplateRef.parse("tiny-linux")).version());
        assertEquals(2, store.catalog().resolve(TemplateRef.parse("tiny-linux@latest")).version());

        // version numbers are never reused, even after the newest is deleted
        store.versions().remove("tiny-linux", 2, true);
        assertEquals(1, store.catalog().resolve(TemplateRef.parse("tiny-linux")).version());
        assertEquals(3, store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "c.qcow2", 1))).version());
    }

    @Test
    void linkedCloneIsARelativeOverlayAndProtectsItsBase() throws Exception {
        store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "a.qcow2", 0xab)));
        Path base = tmp.resolve("images/templates/tiny-linux/1/base.qcow2");
        String before = Sha256.of(base);

        CloneService.Clone web1 = store.clones().clone("tiny-linux:1", "web1", CloneOptions.linkedClone());
        store.clones().clone("tiny-linux", "web2", CloneOptions.linkedClone());
        Path overlay = Path.of(web1.vm().disk().path());
        QemuImg.Info info = qemuImg.info(overlay, "qcow2");
        assertEquals("../../templates/tiny-linux/1/base.qcow2", info.backingFilename());
        assertEquals("qcow2", info.backingFormat());
        assertTrue(Disks.io(overlay, "qcow2", "read -P 0xab 0 1M").contains("read 1048576/1048576"));
        Disks.io(overlay, "qcow2", "write -P 0x11 0 512k");
        assertTrue(Disks.io(overlay, "qcow2", "read -P 0x11 0 512k").contains("read 524288/524288"));
        assertEquals(before, Sha256.of(base));

        UserError refused = assertThrows(UserError.class, () -> store.versions().remove("tiny-linux", 1, true));
        assertEquals("tiny-linux:1 has linked clones: web1, web2 (remove them first with: ingot rm CLONE)", refused.getMessage());
        UserError again = assertThrows(UserError.class, () -> store.clones().clone("tiny-linux:1", "web1", CloneOptions.linkedClone()));
        assertTrue(again.getMessage().contains("'web1' already exists"), again.getMessage());

        store.clones().remove("web1");
        store.clones().remove("web2");
        assertFalse(Files.exists(overlay.getParent()));
        UserError channel = assertThrows(UserError.class, () -> store.versions().remove("tiny-linux", 1, false));
        assertTrue(channel.getMessage().contains("channel latest"), channel.getMessage());
        store.versions().remove("tiny-linux", 1, true);
        assertFalse(Files.exists(base.getParent()));
        assertTrue(store.catalog().versions("tiny-linux").isEmpty());
    }

    @Test
    void linkedCloneCannotChangeStorage() throws Exception {
        Files.createDirectories(tmp.resolve("images"));
        Files.writeString(tmp.resolve("images/storage.yaml"), "storages:\n  other:\n    type: dir\n    path: other\n");
        store = ImageStore.open(Disks.paths(tmp));
        store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "a.qcow2", 0xab)));
        UserError e = assertThrows(UserError.class,
                () -> store.clones().clone("tiny-linux:1", "x", new CloneOptions(true, "other", null, List.of())));
        assertTrue(e.getMessage().startsWith("a linked clone cannot change storage"), e.getMessage());
        UserError unknown = assertThrows(UserError.class,
                () -> store.clones().clone("tiny-linux:1", "x", new CloneOptions(false, "nowhere", null, List.of())));
        assertTrue(unknown.getMessage().contains("unknown storage 'nowhere' (known: local, other"), unknown.getMessage());
        // a full clone may go to another storage
        CloneService.Clone full = store.clones().clone("tiny-linux:1", "x", CloneOptions.fullClone("other", "qcow2"));
        assertTrue(full.vm().disk().path().startsWith(tmp.resolve("images/other/clones/x").toString()));
    }

    @Test
    void storageWithoutLinkedClonesRefuses() throws Exception {
        Files.createDirectories(tmp.resolve("images"));
        Files.writeString(tmp.resolve("images/storage.yaml"),
                "storages:\n  local:\n    type: dir\n    path: .\n    options:\n      linked-clones: \"false\"\n");
        store = ImageStore.open(Disks.paths(tmp));
        store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "a.qcow2", 0xab)));
        UserError e = assertThrows(UserError.class, () -> store.clones().clone("tiny-linux", "x", CloneOptions.linkedClone()));
        assertEquals("storage 'local' (dir) cannot make linked clones", e.getMessage());
    }

    @Test
    void fullClonesToRawAndVmdkEqualTheBase() throws Exception {
        store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "a.qcow2", 0xab)));
        Path base = tmp.resolve("images/templates/tiny-linux/1/base.qcow2");
        for (String format : List.of("raw", "vmdk", "qcow2")) {
            CloneService.Clone c = store.clones().clone("tiny-linux:1", "full-" + format, CloneOptions.fullClone(null, format));
            Path disk = Path.of(c.vm().disk().path());
            // in that format (a raw one holds no image header), standing alone
            ImageCheck.Facts facts = new ImageCheck(qemuImg, ImageCheck.DEFAULT_MAX_VIRTUAL_SIZE)
                    .check(disk, "full clone", ImageCheck.Policy.standalone(format));
            assertNull(facts.backing());
            Command.Result cmp = Command.exec(List.of("qemu-img", "compare", "-f", "qcow2", "-F", format, base.toString(), disk.toString()));
            assertEquals(0, cmp.exitCode(), cmp.stdout() + cmp.stderr());
            assertTrue(Files.isWritable(disk));
        }
        // full clones do not hold the version
        store.versions().remove("tiny-linux", 1, true);
        assertEquals(3, store.catalog().clones().size());
    }

    @Test
    void fiftyParallelClonesGetRowsOverlaysAndDistinctIdentities() throws Exception {
        store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "a.qcow2", 0xab)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<CloneService.Clone>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String name = "c" + i;
            futures.add(pool.submit(() -> store.clones().clone("tiny-linux", name, CloneOptions.linkedClone())));
        }
        Set<String> macs = new HashSet<>(), uuids = new HashSet<>(), genids = new HashSet<>();
        for (Future<CloneService.Clone> f : futures) {
            VmConfig vm = f.get().vm();
            qemuImg.check(Path.of(vm.disk().path()), "qcow2");
            assertEquals("../../templates/tiny-linux/1/base.qcow2", qemuImg.info(Path.of(vm.disk().path()), "qcow2").backingFilename());
            String mac = vm.nics().get(0).mac();
            assertTrue(mac.startsWith("0a:49:4e:"), mac);
            macs.add(mac);
            uuids.add(vm.smbiosUuid());
            genids.add(vm.vmgenid());
            assertTrue(Files.isRegularFile(Path.of(vm.seed()).resolveSibling("seed").resolve("user-data")));
            assertEquals(vm, VmConfig.read(f.get().vmConfigFile()));
        }
        pool.shutdown();
        assertEquals(50, store.catalog().clones().size());
        assertEquals(50, macs.size());
        assertEquals(50, uuids.size());
        assertEquals(50, genids.size());
    }

    @Test
    void seedHoldsHostnameInstanceIdAndKeys() throws Exception {
        store.publisher().publish(Disks.request("tiny-linux", Disks.disk(tmp, "a.qcow2", 0xab)));
        Path key = tmp.resolve("me.pub");
        Files.writeString(key, "# mine\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0000000000000000000 me@host\n");
        CloneService.Clone c = store.clones().clone("tiny-linux", "web1", new CloneOptions(true, null, null, List.of(key)));
        // the ISO is made at start, from the seed files the clone wrote
        Path seed = new io.ingot.vm.SeedBuilder().ensureIso(Path.of(c.vm().seed()));
        String listing = Command.run(List.of("xorriso", "-indev", seed.toString(), "-ls", "/", "--"));
        assertTrue(listing.contains("meta-data") && listing.contains("user-data"), listing);
        String pvd = Command.exec(List.of("xorriso", "-indev", seed.toString(), "-pvd_info")).stdout();
        assertTrue(pvd.contains("cidata"), pvd);
        Path out = tmp.resolve("user-data");
        Command.run(List.of("xorriso", "-osirrox", "on", "-indev", seed.toString(), "-extract", "/user-data", out.toString()));
        String userData = Files.readString(out);
        assertTrue(userData.startsWith("#cloud-config\nhostname: web1\n"), userData);
        assertTrue(userData.contains("me@host"), userData);
        assertTrue(userData.contains(store.accessKey().publicKeyLine()), userData);
        Path meta = tmp.resolve("meta-data");
        Command.run(List.of("xorriso", "-osirrox", "on", "-indev", seed.toString(), "-extract", "/meta-data", meta.toString()));
        assertEquals("instance-id: " + c.vm().instanceId() + "\nlocal-hostname: web1\n", Files.readString(meta));

        Path priv = store.accessKey().privateKeyPath();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(priv.getParent())));
        // ssh-keygen agrees the private key is a valid OpenSSH ed25519 key matching the public line
        String derived = Command.run(List.of("ssh-keygen", "-y", "-f", priv.toString())).trim();
        assertTrue(store.accessKey().publicKeyLine().startsWith(derived.split(" ")[0] + " " + derived.split(" ")[1]));

        Path bad = tmp.resolve("bad.pub");
        Files.writeString(bad, "hello\n");
        UserError e = assertThrows(UserError.class, () -> store.clones().clone("tiny-linux", "web2", new CloneOptions(true, null, null, List.of(bad))));
        assertEquals(bad + ":1: not an SSH public key line", e.getMessage());
    }

    @Test
    void channelsPromoteRevokeAndRetention() throws Exception {
        for (int i = 1; i <= 3; i++) store.publisher().publish(Disks.request("t", Disks.disk(tmp, "d" + i + ".qcow2", i)));
        store.catalog().promote("t", 1, "stable");
        assertEquals(1, store.catalog().resolve(TemplateRef.parse("t@stable")).version());
        store.catalog().revoke("t", 3, true);
        assertThrows(UserError.class, () -> store.catalog().resolve(TemplateRef.parse("t@latest")));
        assertEquals(2, store.catalog().resolve(TemplateRef.parse("t")).version());
        UserError none = assertThrows(UserError.class, () -> store.catalog().resolve(TemplateRef.parse("t@beta")));
        assertTrue(none.getMessage().contains("no channel 'beta'"), none.getMessage());

        store.clones().clone("t:2", "keepme", CloneOptions.linkedClone());
        TemplateVersions keepOne = new TemplateVersions(store.catalog(), store.storages(), 1);
        // 1 has a channel, 2 a clone, 3 is the newest: nothing goes
        assertEquals(List.of(), keepOne.prune("t"));
        store.clones().remove("keepme");
        assertEquals(List.of("t:2"), keepOne.prune("t"));
        assertFalse(Files.exists(tmp.resolve("images/templates/t/2")));
    }

    @Test
    void reindexRebuildsVersionsFromManifests() throws Exception {
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "a.qcow2", 1)));
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "b.qcow2", 2)));
        store.catalog().promote("t", 1, "stable");
        Files.delete(tmp.resolve("images/catalog.db"));
        Files.deleteIfExists(tmp.resolve("images/catalog.db-wal"));
        Files.deleteIfExists(tmp.resolve("images/catalog.db-shm"));
        store = ImageStore.open(Disks.paths(tmp));
        assertTrue(store.catalog().versions("t").isEmpty());
        assertEquals(2, store.versions().reindex().versions());
        assertEquals(List.of(1, 2), store.catalog().versions("t").stream().map(TemplateVersion::version).toList());
        assertEquals("recipehash", store.catalog().version("t", 2).orElseThrow().manifest().recipeHash());
        // numbering continues after the highest version found
        assertEquals(3, store.publisher().publish(Disks.request("t", Disks.disk(tmp, "c.qcow2", 3))).version());

        // a channel to a version whose files vanished is dropped; one to a present version is kept
        store.catalog().promote("t", 1, "stable");
        store.catalog().promote("t", 3, "beta");
        store.storages().get("local").deleteVersion("t", 3);
        ReindexResult r = store.versions().reindex();
        assertEquals(List.of("t@beta -> 3", "t@latest -> 3"), r.droppedChannels().stream().sorted().toList());
        assertEquals(1, store.catalog().resolve(TemplateRef.parse("t@stable")).version());
    }
}
