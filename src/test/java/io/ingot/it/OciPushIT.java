package io.ingot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.ImageStore;
import io.ingot.template.TemplateRef;
import io.ingot.trust.KeyFiles;
import io.ingot.trust.Signed;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Command;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ingot push} to a real OCI registry (Debian's docker-registry, the distribution registry, started here on
 * 127.0.0.1 with its own config and storage; never the system service), read back by skopeo and tar, and
 * {@code ingot pull oci://} into another images folder whose clone boots. A blob damaged in the registry's storage is
 * refused, bad input gets one line, and a refused push leaves no image. The image is signed: the other folder trusts
 * the pushing site's key; one signed by a key it does not trust, or not signed, is refused (unless --allow-unsigned).
 */
class OciPushIT {
    private static Path dir;
    private static Registry registry;
    private static Registry readOnly;
    private static final List<Path> otherFolders = new ArrayList<>();

    @BeforeAll
    static void registry() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")) && Files.isExecutable(Path.of("/usr/bin/skopeo")),
                "needs Debian's docker-registry and skopeo (apt-get install docker-registry skopeo)");
        dir = TestImages.home().resolve("target/oci-it").resolve(UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(dir);
        registry = Registry.start(dir.resolve("rw"), false);
        readOnly = Registry.start(dir.resolve("ro"), true);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) registry.stop();
        if (readOnly != null) readOnly.stop();
        for (Path p : otherFolders) Trees.deleteQuietly(p);
        if (dir != null) Trees.deleteQuietly(dir);
    }

    @Test
    void aPushedContainerDiskReadsInSkopeoAndPullsBackIntoAnotherFolderWhoseCloneBoots() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Path base = store.storages().get(v.primaryStorage()).locate(v.name(), v.version()).orElseThrow().baseImage().path();
        String image = "127.0.0.1:" + registry.port + "/ingot/tiny-linux";

        long t0 = System.nanoTime();
        Cli push = Cli.run(TestImages.paths().images(), "push", "--ram", v.ref(), "oci+http://" + image + ":v1");
        assertEquals(0, push.code, push.err);
        assertTrue(push.out.contains("signed by this site's key"), push.out);
        System.err.println("OciPushIT: push took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        DeliveryRecord d = new Deliveries(store.catalog()).of(v.name(), v.version()).stream()
                .filter(r -> r.location().equals("oci+http://" + image)).findFirst().orElseThrow(() -> new AssertionError("no delivery recorded: " + push.out));
        assertEquals("oci+http://" + image, d.location());
        assertTrue(d.reference().startsWith(image + "@sha256:"), d.reference());
        assertFalse(d.linked());
        assertEquals(Sha256.of(base), d.sha256());

        // skopeo reads it: the image's digest is the recorded one; the disk layer and ingot's labels and annotations
        JsonNode inspect = Json.MAPPER.readTree(skopeo("inspect", "--tls-verify=false", "docker://" + image + ":v1"));
        assertEquals(d.reference().substring(d.reference().indexOf('@') + 1), inspect.path("Digest").asText());
        assertEquals("tiny-linux", inspect.path("Labels").path("io.ingot.template").asText());
        assertEquals(String.valueOf(v.version()), inspect.path("Labels").path("io.ingot.version").asText());
        assertEquals("amd64", inspect.path("Architecture").asText());
        assertTrue(inspect.path("Labels").path("io.ingot.provenance").asText().contains("\"payloadType\""), "signed: " + inspect);
        JsonNode raw = Json.MAPPER.readTree(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + image + ":v1"));
        assertEquals("application/vnd.oci.image.manifest.v1+json", raw.path("mediaType").asText());
        assertEquals(Sha256.of(base), raw.path("annotations").path("io.ingot.disk.sha256").asText());
        assertEquals("bios", raw.path("annotations").path("io.ingot.firmware").asText());
        // the disk first, then the RAM template's files (--ram) and the SBOM, each layer saying which file it holds
        List<String> files = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        raw.path("layers").forEach(l -> {
            files.add(l.path("annotations").path("io.ingot.file").asText());
            digests.add(l.path("digest").asText());
        });
        assertEquals(List.of("disk.qcow2", "ram/memory", "ram/state", "ram/overlay.qcow2", v.manifest().sbom().file()), files);
        assertEquals(digests, Json.MAPPER.convertValue(inspect.path("Layers"), List.class), "skopeo lists the same layers");
        JsonNode layer = raw.path("layers").path(0);
        assertEquals("application/vnd.oci.image.layer.v1.tar", layer.path("mediaType").asText());
        assertEquals(Sha256.of(base), layer.path("annotations").path("io.ingot.sha256").asText());

        // skopeo copies it out (dir: keeps the blobs as they are); the layer, unpacked by tar, holds the disk as KubeVirt wants it
        Path copy = dir.resolve("copy");
        skopeo("copy", "--src-tls-verify=false", "docker://" + image + ":v1", "dir:" + copy);
        String layerDigest = layer.path("digest").asText();
        assertEquals(raw, Json.MAPPER.readTree(copy.resolve("manifest.json").toFile()), "the manifest as pushed");
        Path blob = copy.resolve(layerDigest.substring("sha256:".length()));
        assertEquals(layerDigest, "sha256:" + Sha256.of(blob));
        Path unpacked = dir.resolve("unpacked");
        Files.createDirectories(unpacked);
        ok(Command.exec(List.of("tar", "--numeric-owner", "-xpf", blob.toString(), "-C", unpacked.toString())));
        Path disk = unpacked.resolve("disk/disk.qcow2");
        assertEquals(Sha256.of(base), Sha256.of(disk), "the disk in the layer is the pushed base image");
        assertEquals("107:107 440", ok(Command.exec(List.of("stat", "-c", "%u:%g %a", disk.toString()))).strip(),
                "owned by KubeVirt's qemu user, read-only");

        // a second push of the same version sends no blob again
        Cli again = Cli.run(TestImages.paths().images(), "push", v.ref(), "oci+http://" + image + ":v1-again");
        assertEquals(0, again.code, again.err);
        assertTrue(again.err.contains("registry has disk.qcow2 already"), again.err);

        // another images folder: a blob damaged in the registry's storage is refused and leaves nothing
        Path other = TestImages.home().resolve("target/oci-it-other-" + UUID.randomUUID().toString().substring(0, 8));
        otherFolders.add(other);
        Signed.enrol(store.trust(), ImageStore.open(paths(other)).trust()); // the site pushed from is trusted there
        Path stored = registry.storage.resolve("docker/registry/v2/blobs/sha256").resolve(layerDigest.substring(7, 9))
                .resolve(layerDigest.substring(7)).resolve("data");
        byte original = flip(stored, Files.size(stored) / 2, (byte) 0);
        Cli damaged = Cli.run(other, "pull", "oci+http://" + image + ":v1");
        assertEquals(2, damaged.code, damaged.err);
        assertEquals(1, damaged.err.strip().lines().filter(l -> l.startsWith("ingot:")).count(), damaged.err);
        assertTrue(damaged.err.contains("blob " + layerDigest + " (disk.qcow2) came as sha256:"), damaged.err);
        ImageStore otherStore = ImageStore.open(paths(other));
        assertTrue(otherStore.catalog().versions("tiny-linux").isEmpty(), "nothing registered");
        try (var left = Files.list(other)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".oci-pull")).toList(), "nothing left behind");
        }
        flip(stored, Files.size(stored) / 2, original);

        // pulled whole: the same version, lineage and disk, and a clone of it boots
        Cli pull = Cli.run(other, "pull", "oci+http://" + image + "@" + inspect.path("Digest").asText());
        assertEquals(0, pull.code, pull.err);
        otherStore = ImageStore.open(paths(other));
        Cli verify = Cli.run(other, "verify", v.ref());
        assertEquals(0, verify.code, verify.out + verify.err); // signed again there with its own key
        TemplateVersion pulled = otherStore.catalog().version(v.name(), v.version()).orElseThrow();
        assertEquals(v.manifest().lineage(), pulled.manifest().lineage());
        assertEquals(v.manifest().buildId(), pulled.manifest().buildId());
        assertEquals(v.manifest().ram(), pulled.manifest().ram(), "the RAM template came along");
        Path pulledDir = otherStore.storages().get("local").locate(v.name(), v.version()).orElseThrow().dir();
        assertEquals(v.manifest().ram().stateFile().sha256(), Sha256.of(pulledDir.resolve("ram/state")));
        assertEquals(v.manifest().sbom().sha256(), Sha256.of(pulledDir.resolve(v.manifest().sbom().file())), "the SBOM came along");
        assertEquals(Sha256.of(base), Sha256.of(otherStore.storages().get("local").locate(v.name(), v.version()).orElseThrow().baseImage().path()));
        otherStore.clones().clone(v.ref(), "oci-boot", new CloneOptions(true, null, null, List.of()));
        CloneInstances instances = new CloneInstances(otherStore);
        try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", instances.start("oci-boot").sshPort(), "root",
                BuildKey.load(otherStore.accessKey().privateKeyPath()).keyPair(), Duration.ofMinutes(3))) {
            assertEquals("oci-boot", ssh.run("hostname").strip());
        } finally {
            instances.stop("oci-boot", Duration.ofSeconds(20));
            otherStore.clones().remove("oci-boot");
        }
        refusedUnlessSignedByATrustedKey(v, store, otherStore, image);
        // the shared tiny-linux keeps no record of this run's registry
        Deliveries deliveries = new Deliveries(store.catalog());
        deliveries.all().stream().filter(r -> r.location().equals("oci+http://" + image))
                .forEach(r -> deliveries.forget(r.target(), r.location(), r.reference()));
    }

    @Test
    void badInputGetsOneLineAndARefusedPushLeavesNoImage() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        String ref = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest")).ref();
        List<DeliveryRecord> recorded = new Deliveries(store.catalog()).all();
        Path images = TestImages.paths().images();
        oneLine(Cli.run(images, "push", ref, "oci+http://127.0.0.1:1/ingot/x:1"), "cannot reach registry 127.0.0.1:1");
        oneLine(Cli.run(images, "push", ref, "oci+http://127.0.0.1:" + registry.port + "/Ingot/x:1"), "not a name the OCI distribution spec allows");
        oneLine(Cli.run(images, "push", ref, "oci+http://127.0.0.1:" + registry.port + "/ingot/x:-1"), "tag '-1' is not one the OCI distribution spec allows");
        oneLine(Cli.run(images, "push", ref, "oci+http://registry.example/ingot/x:1"), "loopback only");
        oneLine(Cli.run(images, "push", ref, "oci+http://127.0.0.1:" + registry.port + "/ingot/x:1?x=1"), "unknown option 'x'");
        store.clones().clone(ref, "oci-ram", new CloneOptions(true, null, null, List.of()));
        try {
            oneLine(Cli.run(images, "push", "--ram", "oci-ram", "oci+http://127.0.0.1:" + registry.port + "/ingot/x:1"), "has none of its own");
        } finally {
            store.clones().remove("oci-ram");
        }
        // the registry refuses (read-only: 405 on the upload): no image there, nothing recorded
        String ro = "127.0.0.1:" + readOnly.port + "/ingot/x";
        oneLine(Cli.run(images, "push", ref, "oci+http://" + ro + ":1"), "registry 127.0.0.1:" + readOnly.port + " refused");
        Command.Result inspect = Command.exec(List.of("skopeo", "inspect", "--tls-verify=false", "docker://" + ro + ":1"));
        assertFalse(inspect.ok(), "no image: " + inspect.output());
        assertEquals(recorded, new Deliveries(store.catalog()).all(), "nothing recorded");
        oneLine(Cli.run(images, "pull", "oci+http://127.0.0.1:" + registry.port + "/ingot/nosuch:1"), "has no image ingot/nosuch:1");
        oneLine(Cli.run(images, "pull", "oci+http://127.0.0.1:" + registry.port + "/ingot/nosuch"), "name the image by tag or digest");
    }

    /**
     * A third folder trusts the first site's key only: the version re-pushed from the second folder (signed with its
     * key) is refused, and so is one pushed there without its envelope unless --allow-unsigned; a refusal leaves nothing.
     */
    private static void refusedUnlessSignedByATrustedKey(TemplateVersion v, ImageStore first, ImageStore second, String image) throws Exception {
        Path images = second.paths().images();
        assertEquals(0, Cli.run(images, "push", v.ref(), "oci+http://" + image + ":resigned").code);
        Files.delete(second.storages().get("local").locate(v.name(), v.version()).orElseThrow().dir().resolve(VersionTrust.ENVELOPE));
        Cli unsigned = Cli.run(images, "push", v.ref(), "oci+http://" + image + ":unsigned");
        assertEquals(0, unsigned.code, unsigned.err);
        assertTrue(unsigned.err.contains("pushed without provenance"), unsigned.err);
        Path third = TestImages.home().resolve("target/oci-it-third-" + UUID.randomUUID().toString().substring(0, 8));
        otherFolders.add(third);
        Signed.enrol(first.trust(), ImageStore.open(paths(third)).trust());
        Cli resigned = Cli.run(third, "pull", "oci+http://" + image + ":resigned");
        oneLine(resigned, "refused: signed by unknown key " + keyId(second));
        assertTrue(resigned.err.contains(v.ref() + " in "), resigned.err);
        Cli notSigned = Cli.run(third, "pull", "oci+http://" + image + ":unsigned");
        oneLine(notSigned, "refused: not signed");
        assertTrue(notSigned.err.contains(v.ref() + " in "), notSigned.err);
        assertTrue(ImageStore.open(paths(third)).catalog().versions(v.name()).isEmpty(), "nothing registered");
        try (var left = Files.list(third)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".oci-pull")).toList(), "nothing left behind");
        }
        oneLine(Cli.run(third, "pull", "--allow-unsigned", "oci+http://" + image + ":resigned"), "refused: signed by unknown key"); // allowed: none, not a bad one
        Cli allowed = Cli.run(third, "pull", "--allow-unsigned", "oci+http://" + image + ":unsigned");
        assertEquals(0, allowed.code, allowed.err);
        assertTrue(ImageStore.open(paths(third)).catalog().version(v.name(), v.version()).isPresent(), allowed.err);
    }

    private static String keyId(ImageStore s) throws Exception {
        return KeyFiles.keyId(s.trust().siteKey().load().getPublic());
    }

    private static void oneLine(Cli c, String expected) {
        assertEquals(2, c.code, c.out + c.err);
        assertTrue(c.err.contains(expected), c.err);
        assertEquals(1, c.err.strip().lines().filter(l -> l.startsWith("ingot:")).count(), "one line: " + c.err);
        assertFalse(c.err.contains("\tat "), c.err);
    }

    private static byte flip(Path file, long at, byte value) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            byte old = f.readByte();
            f.seek(at);
            f.writeByte(value == 0 ? old ^ 0x5a : value);
            return old;
        }
    }

    private static String skopeo(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo"));
        cmd.addAll(List.of(args));
        return ok(Command.exec(cmd));
    }

    private static String ok(Command.Result r) {
        assertTrue(r.ok(), r.output());
        return r.stdout();
    }

    private static IngotPaths paths(Path images) {
        IngotPaths p = TestImages.paths();
        return new IngotPaths(p.home(), images, p.cache(), images.resolve(".ingot"));
    }

    /** Debian's distribution registry on 127.0.0.1, a child of this JVM with its own config and storage, ended by its PID. */
    private record Registry(Process process, int port, Path storage) {
        static Registry start(Path dir, boolean readOnly) throws Exception {
            Path storage = dir.resolve("storage");
            Files.createDirectories(storage);
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path config = dir.resolve("config.yml");
            Files.writeString(config, String.join("\n", "version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:",
                    "    rootdirectory: " + storage, "  maintenance:", "    readonly:", "      enabled: " + readOnly,
                    "http:", "  addr: 127.0.0.1:" + port, ""));
            Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
            Registry r = new Registry(p, port, storage);
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; ; i++) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return r;
                } catch (java.io.IOException e) {
                    if (!p.isAlive() || i > 100) {
                        r.stop();
                        throw new AssertionError("the registry did not start: " + Files.readString(dir.resolve("registry.log")));
                    }
                }
                Thread.sleep(100);
            }
        }

        void stop() throws Exception {
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

}
