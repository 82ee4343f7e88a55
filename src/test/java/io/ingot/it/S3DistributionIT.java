package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Pull;
import io.ingot.distribution.S3Push;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.ImageStore;
import io.ingot.qemu.QemuImg;
import io.ingot.template.TemplateRef;
import io.ingot.util.IngotPaths;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import io.ingot.vm.RunningClone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Push to and pull from a real S3-compatible server (s3proxy, in-process, in-memory blob store) through the
 * AWS SDK with the usual environment variables: multipart upload with sha256 metadata, the sparse memory file stored
 * as its data extents, a pull into a second, empty images directory that is interrupted and resumed and writes the
 * memory file sparse, and a linked clone of the pulled template booted.
 */
class S3DistributionIT {
    private static final String KEY_ID = "ingot-it-access";
    private static final String SECRET = "ingot-it-secret-never-logged";
    @RegisterExtension
    static final LocalS3 S3 = LocalS3.forClass(KEY_ID, SECRET);

    @Test
    void pushPullResumeAndBoot() throws Exception {
        TestImages.tinyLinux();
        ImageStore source = TestImages.store();
        TemplateVersion shared = source.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        S3.bucket("ingot-it");
        try (S3Client s3 = S3.clients().create()) {
            S3Push.Pushed pushed = new S3Push(source, s3, new QemuImg(), System.out::println)
                    .push("tiny-linux@latest", S3Location.parse("s3://ingot-it/site-a"));
            String diskKey = "site-a/tiny-linux/" + shared.version() + "/disk.qcow2";
            assertEquals(diskKey, pushed.diskKey());
            assertEquals(pushed.diskSha256(), s3.headObject(b -> b.bucket("ingot-it").key(diskKey)).metadata().get("sha256"),
                    "the disk's sha256 is in its object metadata");
            assertTrue(pushed.channels().contains("latest"), "the channel travels: " + pushed.channels());
            assertTrue(pushed.diskBytes() > 2 * S3Push.PART_SIZE / 4, "big enough to take the interruption below");
            io.ingot.template.Manifest.Ram ram = shared.manifest().ram();
            Path sourceMemory = source.storages().get(shared.primaryStorage()).locate(shared.name(), shared.version()).orElseThrow()
                    .dir().resolve(ram.memoryFile().file());
            long memorySize = Files.size(sourceMemory);
            var memoryObject = s3.headObject(b -> b.bucket("ingot-it").key("site-a/tiny-linux/" + shared.version() + "/" + ram.memoryFile().file()));
            // the memory file is mostly holes: they stay out of the bucket (and off the wire), its data extents go with a map
            assertEquals("extents", memoryObject.metadata().get("ingot-layout"), "the memory file is pushed sparse");
            String stored = "ram/memory stored as " + memoryObject.contentLength() + " bytes of " + memorySize + " ("
                    + onDisk(sourceMemory) + " on disk at the source)";
            assertTrue(memoryObject.contentLength() < memorySize * 3 / 4, stored);
            // no more than its data at the source, and the holes under 1 MiB merged with it
            assertTrue(memoryObject.contentLength() <= onDisk(sourceMemory) + (16L << 20), stored);

            IngotPaths shared0 = TestImages.paths();
            Path images = TestImages.home().resolve("target/it-s3-pulled");
            RbdStorageIT.deleteTree(images);
            ImageStore target = ImageStore.open(new IngotPaths(shared0.home(), images, shared0.cache(), images.resolve(".ingot")));
            io.ingot.trust.Signed.enrol(source.trust(), target.trust()); // the site pulled from is trusted here
            String url = "s3://ingot-it/site-a/tiny-linux@latest";

            // the first pull is cut off after 1 MiB, as a dropped connection would
            AtomicBoolean cut = new AtomicBoolean();
            RuntimeException interrupted = assertThrows(RuntimeException.class, () -> new S3Pull(target, s3,
                    System.out::println, n -> {
                        if (n >= (1 << 20)) {
                            cut.set(true);
                            throw new IllegalStateException("connection dropped (test)");
                        }
                    }).pull(url, null));
            assertTrue(cut.get(), interrupted.toString());
            assertTrue(target.catalog().versions("tiny-linux").isEmpty(), "nothing registered from a cut-off pull");

            S3Pull.Pulled pulled = new S3Pull(target, s3, System.out::println, n -> { }).pull(url, null);
            assertTrue(pulled.resumedFrom() >= (1 << 20) && pulled.resumedFrom() < pushed.diskBytes(),
                    "resumed where it stopped: " + pulled.resumedFrom());
            assertEquals(shared.version(), pulled.version().version(), "the version keeps its number");
            Path base = target.storages().get("local").locate("tiny-linux", shared.version()).orElseThrow().baseImage().path();
            assertEquals(pushed.diskSha256(), Sha256.of(base), "the pulled disk is the pushed one");
            // the memory file, sparse at the source and in the bucket, is written sparse: holes stay holes
            Path memory = base.resolveSibling(ram.memoryFile().file());
            assertEquals(ram.memoryFile().sha256(), Sha256.of(memory), "the memory file came along");
            assertEquals(memorySize, Files.size(memory), "the memory file has its full length");
            assertTrue(onDisk(memory) < memorySize * 3 / 4, "ram/memory takes " + onDisk(memory) + " bytes on disk of " + memorySize);
            assertEquals(shared.version(), target.catalog().resolve(TemplateRef.parse("tiny-linux@latest")).version(),
                    "pulled by channel, registered with it");

            target.clones().clone("tiny-linux", "s3-clone", CloneOptions.linkedClone());
            CloneInstances instances = new CloneInstances(target);
            RunningClone r = instances.start("s3-clone");
            try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", r.sshPort(), "root",
                    BuildKey.load(target.accessKey().privateKeyPath()).keyPair(), Duration.ofMinutes(2))) {
                assertEquals("s3-clone", ssh.run("hostname").strip(), "a linked clone of the pulled template boots");
            } finally {
                instances.stop("s3-clone", Duration.ofSeconds(20));
                target.clones().remove("s3-clone");
            }
            assertTrue(Files.notExists(images.resolve(".s3-pull/ingot-it-tiny-linux-" + shared.version())), "the download area is cleaned");
        }
    }

    @Test
    void aPushToABucketThatIsNotThereFailsBeforeItUploads() throws Exception {
        TestImages.tinyLinux();
        ImageStore source = TestImages.store();
        try (S3Client s3 = S3.clients().create()) {
            UserError e = assertThrows(UserError.class, () -> new S3Push(source, s3, new QemuImg(), System.out::println)
                    .push("tiny-linux@latest", S3Location.parse("s3://ingot-it-missing/site-a")));
            assertEquals("s3://ingot-it-missing: no such bucket at this endpoint (make it first; ingot s3 push does not)", e.getMessage());
            try (var left = Files.list(source.paths().images())) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".s3-push-")), "no work area left behind");
            }
        }
    }

    private static long onDisk(Path file) throws java.io.IOException {
        return Long.parseLong(io.ingot.util.Command.run(java.util.List.of("stat", "-c", "%b", file.toString())).strip()) * 512;
    }

    /** Also: a version pushed by an older ingot, its memory file one whole object, pulls as before. */
    @Test
    void aRamTemplatePulledOntoCephKeepsItsCaptureDiskInRbd() throws Exception {
        CephCluster ceph = CephCluster.shared();
        TestImages.tinyLinux();
        ImageStore source = TestImages.store();
        TemplateVersion shared = source.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        io.ingot.template.Manifest.Ram ram = shared.manifest().ram();
        S3.bucket("ingot-it-ceph");
        try (S3Client s3 = S3.clients().create()) {
            new S3Push(source, s3, new QemuImg(), System.out::println).push(shared.ref(), S3Location.parse("s3://ingot-it-ceph/site-ceph"));
            // the memory file as an older push left it: the whole file in one object, no extent map
            String memoryKey = "site-ceph/tiny-linux/" + shared.version() + "/" + ram.memoryFile().file();
            s3.putObject(b -> b.bucket("ingot-it-ceph").key(memoryKey).metadata(java.util.Map.of("sha256", ram.memoryFile().sha256())),
                    software.amazon.awssdk.core.sync.RequestBody.fromFile(source.storages().get(shared.primaryStorage())
                            .locate(shared.name(), shared.version()).orElseThrow().dir().resolve(ram.memoryFile().file())));
            s3.deleteObject(b -> b.bucket("ingot-it-ceph").key(memoryKey + ".extents.json"));
            ImageStore target = ImageStore.open(RbdStorageIT.cephImages(ceph, "it-s3-pulled-ceph"));
            io.ingot.trust.Signed.enrol(source.trust(), target.trust());
            S3Pull.Pulled pulled = new S3Pull(target, s3, System.out::println, n -> { })
                    .pull("s3://ingot-it-ceph/site-ceph/tiny-linux:" + shared.version(), "ceph");
            var onCeph = target.storages().get("ceph").locate("tiny-linux", pulled.version().version()).orElseThrow();
            Path sharedOverlay = source.storages().get(shared.primaryStorage()).locate(shared.name(), shared.version())
                    .orElseThrow().dir().resolve(ram.captureOverlay().file());
            try {
                assertEquals("", io.ingot.util.Command.run(java.util.List.of("qemu-img", "compare", "-q", sharedOverlay.toString(),
                        target.storages().get("ceph").captureDisk(onCeph, ram).toString())),
                        "the capture disk went into its own RBD image, the full disk state at capture time");
                assertEquals(ram.memoryFile().sha256(), Sha256.of(onCeph.dir().resolve(ram.memoryFile().file())),
                        "the memory file is on the node");
                assertTrue(Files.notExists(onCeph.dir().resolve(ram.captureOverlay().file())), "no overlay file without its base");
            } finally {
                target.versions().remove("tiny-linux", pulled.version().version(), true);
            }
        }
    }
}
