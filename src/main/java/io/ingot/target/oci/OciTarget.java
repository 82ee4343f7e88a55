package io.ingot.target.oci;

import io.ingot.catalog.DeliveryRecord;
import io.ingot.target.Handover;
import io.ingot.target.Target;
import io.ingot.target.TargetType;
import io.ingot.target.VersionSigner;
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
 * in its first layer), the RAM template's files and a template version's SBOM as further layers under
 * {@code /ingot/}, ingot's manifest in the config. A signed template version is checked against its signature here,
 * then signed with this site's key over the files and manifest as carried (the envelope in the config). Blobs the registry has are not sent again; the manifest goes last, so a failed push leaves no image
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
        boolean template = h.cloneName() == null;
        RegistryClient registry = new RegistryClient(to);
        registry.ping();
        // a template version's signature is checked before anything goes out: files that no longer match are not shipped
        Optional<VersionSigner.Sign> sign = template ? h.signer().verify() : Optional.empty();
        long mtime = (h.version().created() == null ? Instant.EPOCH : h.version().created()).getEpochSecond();
        Path disk = h.fullDisk();
        String diskSha = h.fullSha256();
        Manifest m = h.version().manifest().withDisk(new Manifest.Disk(DISK_FILE, "qcow2", h.virtualSize(), Files.size(disk), diskSha));
        // the files as carried, by the name each has in the version folder: the disk, the RAM template's, the SBOM
        Map<String, Path> files = new LinkedHashMap<>();
        Map<String, String> roles = new LinkedHashMap<>();
        files.put(DISK_FILE, disk);
        roles.put(DISK_FILE, "disk");
        h.ramFiles().forEach((name, p) -> {
            files.put(name, p);
            roles.put(name, "ram");
        });
        if (template && h.sbom() != null && m.sbom() != null) {
            files.put(m.sbom().file(), h.sbom());
            roles.put(m.sbom().file(), "sbom");
        }
        Map<String, LayerTar> tars = new LinkedHashMap<>();
        Map<String, String> shas = new LinkedHashMap<>();
        for (Map.Entry<String, Path> f : files.entrySet()) {
            boolean isDisk = f.getKey().equals(DISK_FILE);
            int slash = f.getKey().lastIndexOf('/');
            String dir = isDisk ? ImageLayout.DISK_DIR : ImageLayout.RAM_DIR + (slash < 0 ? "" : "/" + f.getKey().substring(0, slash));
            tars.put(f.getKey(), LayerTar.of(dir, f.getKey().substring(slash + 1), f.getValue(), mtime));
            shas.put(f.getKey(), isDisk ? diskSha : Sha256.of(f.getValue()));
        }
        List<ImageLayout.Blob> layers = new ArrayList<>();
        for (Map.Entry<String, LayerTar> t : tars.entrySet()) {
            progress.accept("hashing layer " + t.getKey());
            String digest = digest(t.getValue());
            boolean isDisk = t.getKey().equals(DISK_FILE);
            layers.add(new ImageLayout.Blob(ImageLayout.LAYER_TYPE, digest, t.getValue().size(), Map.of(
                    "org.opencontainers.image.title", (isDisk ? ImageLayout.DISK_DIR : ImageLayout.RAM_DIR) + "/" + t.getKey(),
                    ImageLayout.FILE, t.getKey(), ImageLayout.ROLE, roles.get(t.getKey()), "io.ingot.sha256", shas.get(t.getKey()))));
        }
        Map<String, String> annotations = ImageLayout.annotations(m, h.cloneName());
        byte[] envelope = null;
        if (sign.isPresent()) {
            envelope = sign.get().envelope(ImageLayout.subjects(shas, m.toJson()));
        } else if (template) {
            progress.accept(h.version().ref() + " is not signed here: pushed without provenance (a pull elsewhere refuses it unless it allows unsigned versions)");
        }
        byte[] config = ImageLayout.config(m, annotations, layers.stream().map(ImageLayout.Blob::digest).toList(), envelope);
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
                + (h.ramFiles().isEmpty() ? "" : " with its RAM template") + (envelope != null ? ", signed by this site's key" : ""));
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
