package io.ingot.it;

import io.ingot.bench.CloneBenchmark;
import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneSettings;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.storage.RbdStorage;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Command;
import io.ingot.util.IngotPaths;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import io.ingot.vm.RunningClone;
import io.ingot.vm.VmConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rbd storage on a real one-node Ceph cluster: the shared tiny-linux base image published to it,
 * 20 linked clones as RBD children, one booted from RBD, deletion refused while children exist,
 * a full clone from RBD to local qcow2, one publish to both storages, and a memory clone whose disk
 * is an RBD child of the RAM template's capture disk.
 */
class RbdStorageIT {

    /** An images directory of its own whose storage.yaml adds the test cluster as storage 'ceph'. */
    static IngotPaths cephImages(CephCluster ceph, String name) throws Exception {
        IngotPaths shared = TestImages.paths();
        Path images = TestImages.home().resolve("target").resolve(name);
        deleteTree(images);
        Files.createDirectories(images);
        Files.writeString(images.resolve("storage.yaml"), "storages:\n" + ceph.storageYaml("ceph"));
        return new IngotPaths(shared.home(), images, shared.cache(), images.resolve(".ingot"));
    }

    static Manifest machineOf(TemplateVersion shared) {
        Manifest m = shared.manifest();
        return Manifest.empty().withMachine(m.qemuVersion(), m.machineType(), m.cpuModel(), m.cpus(), m.memoryMiB(), m.devices());
    }

    static Path sharedBase(TemplateVersion shared) {
        return TestImages.store().storages().get(shared.primaryStorage()).locate(shared.name(), shared.version()).orElseThrow().baseImage().path();
    }

    @Test
    void templatesAndClonesOnRbd() throws Exception {
        CephCluster ceph = CephCluster.shared();
        TestImages.tinyLinux();
        TemplateVersion shared = TestImages.store().catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        ImageStore store = ImageStore.open(cephImages(ceph, "it-ceph-images"));
        StorageBackend rbd = store.storages().get("ceph");
        assertEquals("rbd", rbd.type());

        TemplateVersion v = store.publisher().publish(new PublishRequest("tiny-linux", sharedBase(shared), "qcow2", false,
                machineOf(shared), List.of("ceph"), "latest"));
        String baseImage = RbdStorage.baseImageName("tiny-linux", v.version());
        assertTrue(ceph.rbd("ls", "rbd").lines().anyMatch(baseImage::equals), "the base image is in the pool");
        assertTrue(ceph.rbd("snap", "ls", "rbd/" + baseImage).contains("base"), "with its snapshot");
        assertEquals(List.of(v.ref()), store.storages().get("ceph").listVersions().stream().map(Manifest::ref).toList(),
                "the manifest travels with the image");
        String parentBefore = exportSha(ceph, "rbd/" + baseImage + "@base");

        CloneService clones = store.clones();
        List<String> names = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            names.add("rc-" + i);
            clones.clone("tiny-linux", "rc-" + i, CloneOptions.linkedClone());
        }
        System.out.printf("20 linked clones on RBD in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        List<String> children = ((RbdStorage) rbd).children("tiny-linux", v.version());
        assertEquals(names.stream().map(RbdStorage::cloneImageName).sorted().toList(), children.stream().sorted().toList(),
                "every linked clone is an RBD child of the template's snapshot");
        assertEquals(20, store.catalog().clones().stream().filter(c -> c.storage().equals("ceph")).count(), "and in the catalog");

        VmConfig vm = VmConfig.read(rbd.locateClone("rc-0").orElseThrow().vmConfig());
        assertTrue(vm.disk().path().startsWith("rbd:rbd/vm-rc-0-disk-0:conf="), vm.disk().path());
        assertTrue(vm.disk().path().contains(":id=ingot"), "cephx user in the URI: " + vm.disk().path());
        assertEquals("raw", vm.disk().format());

        CloneInstances instances = new CloneInstances(store);
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        RunningClone r = instances.start("rc-0");
        try (SshCommunicator ssh = ssh(r, access)) {
            assertEquals("rc-0", ssh.run("hostname").strip());
            ssh.run("dd if=/dev/urandom of=/root/data bs=1M count=8 2>/dev/null && echo on-rbd > /root/mark && sync");
            assertEquals("on-rbd", ssh.run("cat /root/mark").strip());
        } finally {
            instances.stop("rc-0", Duration.ofSeconds(20));
        }
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-rc-"), "stop leaves no QEMU");
        assertNotEquals("", ceph.rbd("diff", "rbd/vm-rc-0-disk-0").strip(), "the guest's writes went to its clone image");
        assertEquals(parentBefore, exportSha(ceph, "rbd/" + baseImage + "@base"), "the parent's data is unchanged");

        // a full clone on RBD itself, raw, with a larger disk: QEMU's rbd driver grows the image and the guest sees the size
        long grown = v.manifest().disk().virtualSize() + (256L << 20);
        clones.clone("tiny-linux", "rc-raw", new CloneOptions(false, "ceph", "raw", List.of()).with(CloneSettings.NONE.withDiskBytes(grown)));
        assertTrue(ceph.rbd("info", "rbd/" + RbdStorage.cloneImageName("rc-raw")).contains("size " + (grown >> 20) + " MiB"), "the RBD image has the new size");
        RunningClone rr = instances.start("rc-raw");
        try (SshCommunicator ssh = ssh(rr, access)) {
            assertEquals("rc-raw", ssh.run("hostname").strip());
            assertEquals(grown, Long.parseLong(ssh.run("cat /sys/block/vda/size").strip()) * 512, "the guest's disk has the size asked for");
        } finally {
            instances.stop("rc-raw", Duration.ofSeconds(20));
            clones.remove("rc-raw");
        }

        // full clone from RBD into local qcow2, before the template goes
        CloneService.Clone full = clones.clone("tiny-linux", "rc-full", CloneOptions.fullClone("local", "qcow2"));
        assertTrue(Files.isRegularFile(Path.of(full.vm().disk().path())), "a file on local: " + full.vm().disk().path());
        assertEquals("qcow2", full.vm().disk().format());

        UserError refused = assertThrows(UserError.class, () -> store.versions().remove("tiny-linux", v.version(), true));
        assertTrue(refused.getMessage().contains("rc-0") && refused.getMessage().contains("rc-19"), refused.getMessage());
        UserError cephRefused = assertThrows(UserError.class, () -> rbd.deleteVersion("tiny-linux", v.version()));
        assertTrue(cephRefused.getMessage().contains("vm-rc-7-disk-0"), "Ceph's children are named: " + cephRefused.getMessage());
        Command.Result unprotect = Command.exec(ceph.client().rbd("snap", "unprotect", "rbd/" + baseImage + "@base"));
        assertFalse(unprotect.ok(), "Ceph itself refuses to unprotect a parent with children");

        for (String n : names) clones.remove(n);
        assertEquals(List.of(), ((RbdStorage) rbd).children("tiny-linux", v.version()));
        store.versions().remove("tiny-linux", v.version(), true);
        assertFalse(ceph.rbd("ls", "rbd").lines().anyMatch(baseImage::equals), "the base image is gone from the pool");

        RunningClone rf = instances.start("rc-full");
        try (SshCommunicator ssh = ssh(rf, access)) {
            assertEquals("rc-full", ssh.run("hostname").strip(), "the full clone from RBD boots from local qcow2");
        } finally {
            instances.stop("rc-full", Duration.ofSeconds(20));
            clones.remove("rc-full");
        }
    }

    @Test
    void oneBuildPublishedToLocalAndCeph() throws Exception {
        CephCluster ceph = CephCluster.shared();
        TestImages.tinyLinux();
        TemplateVersion shared = TestImages.store().catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        IngotPaths paths = cephImages(ceph, "it-ceph-multi");
        ImageStore store = ImageStore.open(paths);
        TemplateVersion v = store.publisher().publish(ramRequest("multi", shared, paths, List.of("local", "ceph")));
        assertEquals(List.of("local", "ceph"), store.catalog().resolve(TemplateRef.parse(v.ref())).storages(),
                "the catalog records every location");
        TemplateFiles local = store.storages().get("local").locate("multi", v.version()).orElseThrow();
        TemplateFiles onCeph = store.storages().get("ceph").locate("multi", v.version()).orElseThrow();
        assertEquals("qcow2", local.format());
        assertEquals("raw", onCeph.format());
        String info = Command.run(List.of("qemu-img", "info", "--output=json", onCeph.baseImage().toString()));
        assertTrue(info.contains("\"format\": \"raw\""), "converted into a raw RBD image, not byte-copied: " + info);
        assertEquals(Command.run(List.of("qemu-img", "compare", "-q", local.baseImage().toString(), onCeph.baseImage().toString())), "",
                "the same disk on both storages");
        Manifest.Ram ram = v.manifest().ram();
        assertEquals("", Command.run(List.of("qemu-img", "compare", "-q", local.dir().resolve(ram.captureOverlay().file()).toString(),
                store.storages().get("ceph").captureDisk(onCeph, ram).toString())),
                "the RAM template's capture disk, converted from the local overlay into its own RBD image");
        assertEquals(Files.readAllBytes(local.dir().resolve(ram.stateFile().file())).length,
                Files.readAllBytes(onCeph.dir().resolve(ram.stateFile().file())).length, "the state file copied to the node's dir");
        Map<String, Object> bench = new CloneBenchmark(store, System.out::println).run(v.ref(), 5, "ceph");
        System.out.print(CloneBenchmark.table(bench));
        assertTrue((Double) bench.get("linkedRatio") > 0, "ingot's RBD linked clones timed against rbd clone: " + bench);
        assertTrue(store.catalog().clones().isEmpty() && ((RbdStorage) store.storages().get("ceph")).children("multi", v.version()).isEmpty(),
                "the benchmark removes its clones");
        store.versions().remove("multi", v.version(), true);
        assertTrue(store.storages().get("ceph").locate("multi", v.version()).isEmpty());
        assertFalse(ceph.rbd("ls", "rbd").lines().anyMatch(RbdStorage.ramImageName("multi", v.version())::equals), "the RAM image is gone too");
    }

    @Test
    void memoryCloneOnRbdResumesAndAnswersSsh() throws Exception {
        CephCluster ceph = CephCluster.shared();
        TestImages.tinyLinux();
        TemplateVersion shared = TestImages.store().catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Manifest.Ram ram = shared.manifest().ram();
        IngotPaths paths = cephImages(ceph, "it-ceph-ram");
        // the RAM template's guest trusts the access key it was captured with: this node's, the shared store's
        Path key = TestImages.store().accessKey().privateKeyPath();
        Files.createDirectories(paths.state().resolve("access"));
        for (Path f : List.of(key, key.resolveSibling(key.getFileName() + ".pub"))) {
            Files.copy(f, paths.state().resolve("access").resolve(f.getFileName()));
        }
        ImageStore store = ImageStore.open(paths);
        RbdStorage rbd = (RbdStorage) store.storages().get("ceph");

        TemplateVersion v = store.publisher().publish(ramRequest("tiny-ram", shared, paths, List.of("ceph")));
        String ramImage = RbdStorage.ramImageName("tiny-ram", v.version());
        assertTrue(ceph.rbd("snap", "ls", "rbd/" + ramImage).contains("base"), "the capture disk is an RBD image with its snapshot");
        TemplateFiles files = rbd.locate("tiny-ram", v.version()).orElseThrow();
        Path memory = files.dir().resolve(ram.memoryFile().file());
        assertTrue(Files.isRegularFile(memory) && Files.isRegularFile(files.dir().resolve(ram.stateFile().file())),
                "memory and state files on the node: " + files.dir());
        assertFalse(Files.exists(files.dir().resolve(ram.captureOverlay().file())), "the capture overlay is not left as a file");
        assertEquals("r--r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(memory)));
        Path sharedOverlay = TestImages.store().storages().get(shared.primaryStorage()).locate(shared.name(), shared.version())
                .orElseThrow().dir().resolve(ram.captureOverlay().file());
        assertEquals("", Command.run(List.of("qemu-img", "compare", "-q", sharedOverlay.toString(),
                rbd.captureDisk(files, ram).toString())), "the RBD image holds the disk state at capture time");

        CloneService.Clone c = store.clones().clone(v.ref(), "rr-mem", CloneOptions.memoryClone(List.of()));
        assertTrue(c.vm().disk().path().startsWith("rbd:rbd/vm-rr-mem-disk-0:conf="), c.vm().disk().path());
        assertEquals("raw", c.vm().disk().format());
        assertEquals(memory.toString(), c.vm().ram().memoryFile());
        assertEquals(List.of("vm-rr-mem-disk-0"), rbd.ramChildren("tiny-ram", v.version()), "an RBD child of the RAM snapshot");
        assertEquals(List.of(), rbd.children("tiny-ram", v.version()), "not of the base image's");

        CloneInstances instances = new CloneInstances(store);
        try {
            RunningClone r = instances.start("rr-mem");
            assertEquals("resumed", r.how());
            try (SshCommunicator ssh = ssh(r, BuildKey.load(store.accessKey().privateKeyPath()))) {
                assertEquals("rr-mem", ssh.run("hostname").strip());
                ssh.run("echo on-rbd > /root/mark && sync");
            }
        } finally {
            instances.stop("rr-mem", Duration.ofSeconds(10));
        }
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-rr-mem"), "stop leaves no QEMU");
        assertNotEquals("", ceph.rbd("diff", "rbd/vm-rr-mem-disk-0").strip(), "the guest's writes went to its clone image");
        assertEquals(ram.memoryFile().sha256(), Sha256.of(memory), "the memory file is unchanged");

        UserError refused = assertThrows(UserError.class, () -> store.versions().remove("tiny-ram", v.version(), true));
        assertTrue(refused.getMessage().contains("rr-mem"), refused.getMessage());
        UserError cephRefused = assertThrows(UserError.class, () -> rbd.deleteVersion("tiny-ram", v.version()));
        assertTrue(cephRefused.getMessage().contains("vm-rr-mem-disk-0"), "Ceph's children are named: " + cephRefused.getMessage());

        store.clones().remove("rr-mem");
        store.versions().remove("tiny-ram", v.version(), true);
        List<String> pool = ceph.rbd("ls", "rbd").lines().toList();
        assertFalse(pool.contains(ramImage) || pool.contains(RbdStorage.baseImageName("tiny-ram", v.version())),
                "base and RAM images are gone from the pool: " + pool);
        assertFalse(Files.exists(files.dir()), "and the memory and state files from the node");
    }

    /**
     * The shared version's base image and RAM template files as a build hands them over: base.qcow2 and
     * ram/{overlay.qcow2 (backed by ../base.qcow2), memory, state} in a build directory, moved by the publish.
     */
    static PublishRequest ramRequest(String name, TemplateVersion shared, IngotPaths paths, List<String> storages) throws Exception {
        Path build = paths.images().resolve("build-" + name);
        Files.createDirectories(build.resolve("ram"));
        Files.createSymbolicLink(build.resolve("base.qcow2"), sharedBase(shared));
        Path sharedDir = sharedBase(shared).getParent();
        Manifest.Ram ram = shared.manifest().ram();
        Map<String, Path> extra = new java.util.HashMap<>();
        for (Manifest.RamFile f : List.of(ram.captureOverlay(), ram.memoryFile(), ram.stateFile())) {
            Path copy = build.resolve(f.file());
            Files.copy(sharedDir.resolve(f.file()), copy);
            copy.toFile().setWritable(true);
            extra.put(f.file(), copy);
        }
        return new PublishRequest(name, build.resolve("base.qcow2"), "qcow2", false, machineOf(shared).withRam(ram),
                storages, null, false, extra);
    }

    private static String exportSha(CephCluster ceph, String spec) throws Exception {
        Path out = ceph.dir().resolve("export-" + ProcessHandle.current().pid() + ".raw");
        Files.deleteIfExists(out);
        try {
            ceph.rbd("export", "--no-progress", spec, out.toString());
            return Sha256.of(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Removes a previous run's images directory; base images sit in read-only directories. */
    static void deleteTree(Path top) throws Exception {
        if (!Files.exists(top)) return;
        Command.run(List.of("chmod", "-R", "u+w", top.toString()));
        Command.run(List.of("rm", "-rf", top.toString()));
    }

    private static SshCommunicator ssh(RunningClone r, BuildKey key) {
        return SshCommunicator.connect("127.0.0.1", r.sshPort(), "root", key.keyPair(), Duration.ofMinutes(2));
    }
}
