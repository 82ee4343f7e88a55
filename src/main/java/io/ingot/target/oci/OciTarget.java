package io.ingot.target.oci;

import io.ingot.catalog.DeliveryRecord;
import io.ingot.qemu.QemuImg;
import io.ingot.target.Handover;
import io.ingot.target.Target;
import io.ingot.target.TargetType;
import io.ingot.template.Manifest;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One repository of an OCI registry: a push is a KubeVirt containerDisk image (the disk as {@code /disk/disk.qcow2}
 * in its first layer), the RAM template's files as further layers under {@code /ingot/}, ingot's manifest in the
 * config. Blobs the registry has are not sent again; the manifest goes last, so a failed push leaves no image
 * (blobs it uploaded stay until the registry's garbage collection).
 */
final class OciTarget implements Target {
    static final String DISK_FILE = "disk.qcow2";
    private final TargetType type;
    private final OciReference ref;

    OciTarget(TargetType type, OciReference ref) {
        this.type = type;
        this.ref = ref;
    }

    @Override public TargetType type() { return type; }

    @Override public String location() { return ref.location(); }

    /** The tag is not the copy's name (a clone keeps its own): without one, the push tags it with that name. */
    @Override public Optional<String> requestedName() { return Optional.empty(); }

    @Override
    public Delivered deliver(Handover h, Consumer<String> progress) throws IOException {
        if (ref.digest() != null) throw new UserError("'" + ref + "': a push names a tag (oci://REGISTRY/REPO:TAG), not a digest");
        OciReference to = ref.tag() != null ? ref : ref.withTag(h.name());
        RegistryClient registry = new RegistryClient(to);
        registry.ping();
        long mtime = (h.version().created() == null ? Instant.EPOCH : h.version().created()).getEpochSecond();
        Path disk = h.fullDisk();
        progress.accept("hashing " + disk + " (" + Files.size(disk) / (1 << 20) + " MiB)");
        String diskSha = Sha256.of(disk);
        long virtualSize = new QemuImg().info(disk, "qcow2").virtualSize();
        Manifest m = h.version().manifest().withDisk(new Manifest.Disk(DISK_FILE, "qcow2", virtualSize, Files.size(disk), diskSha));
        Map<String, LayerTar> tars = new LinkedHashMap<>();
        tars.put(DISK_FILE, LayerTar.of(ImageLayout.DISK_DIR, DISK_FILE, disk, mtime));
        for (Map.Entry<String, Path> f : h.ramFiles().entrySet()) {
            int slash = f.getKey().lastIndexOf('/');
            String dir = ImageLayout.RAM_DIR + (slash < 0 ? "" : "/" + f.getKey().substring(0, slash));
            tars.put(f.getKey(), LayerTar.of(dir, f.getKey().substring(slash + 1), f.getValue(), mtime));
        }
        List<ImageLayout.Blob> layers = new ArrayList<>();
        for (Map.Entry<String, LayerTar> t : tars.entrySet()) {
            progress.accept("hashing layer " + t.getKey());
            String digest = digest(t.getValue());
            boolean isDisk = t.getKey().equals(DISK_FILE);
            String fileSha = isDisk ? diskSha : Sha256.of(h.ramFiles().get(t.getKey()));
            layers.add(new ImageLayout.Blob(ImageLayout.LAYER_TYPE, digest, t.getValue().size(), Map.of(
                    "org.opencontainers.image.title", (isDisk ? ImageLayout.DISK_DIR : ImageLayout.RAM_DIR) + "/" + t.getKey(),
                    ImageLayout.FILE, t.getKey(), ImageLayout.ROLE, isDisk ? "disk" : "ram", "io.ingot.sha256", fileSha)));
        }
        Map<String, String> annotations = ImageLayout.annotations(m, h.cloneName());
        byte[] config = ImageLayout.config(m, annotations, layers.stream().map(ImageLayout.Blob::digest).toList());
        ImageLayout.Blob configBlob = new ImageLayout.Blob(ImageLayout.CONFIG_TYPE, "sha256:" + Sha256.of(config), config.length, annotations);
        int i = 0;
        for (LayerTar t : tars.values()) {
            ImageLayout.Blob b = layers.get(i++);
            send(registry, b, t.size(), t::open, b.annotations().get(ImageLayout.FILE), progress);
        }
        send(registry, configBlob, config.length, () -> new java.io.ByteArrayInputStream(config), "config", progress);
        byte[] manifest = ImageLayout.manifest(configBlob, layers, annotations);
        registry.putManifest(to.tag(), manifest);
        String pinned = to.pinned("sha256:" + Sha256.of(manifest));
        progress.accept("tagged " + to);
        String what = h.cloneName() != null ? "clone " + h.cloneName() + " of " + h.version().ref() : h.version().ref();
        return new Delivered(pinned, what + " as OCI image " + to + " (" + pinned + ")"
                + (h.ramFiles().isEmpty() ? "" : " with its RAM template"));
    }

    /** Full copies only: nothing there reads ingot's base image. */
    @Override
    public Presence presence(DeliveryRecord d, Path baseImage) {
        return Presence.gone("an OCI image holds its own disk");
    }

    private static void send(RegistryClient registry, ImageLayout.Blob b, long size, RegistryClient.Opener body, String what,
                             Consumer<String> progress) throws IOException {
        if (registry.hasBlob(b.digest())) {
            progress.accept("registry has " + what + " already (" + b.digest() + ")");
            return;
        }
        progress.accept("uploading " + what + " (" + size / (1 << 20) + " MiB, " + b.digest() + ")");
        registry.upload(b.digest(), size, body);
    }

    /** {@code sha256:...} of the layer's bytes, read once through. */
    static String digest(LayerTar t) throws IOException {
        MessageDigest md = Sha256.digest();
        try (InputStream in = t.open(); OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            in.transferTo(out);
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }
}
