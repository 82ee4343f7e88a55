package io.ingot.target.oci;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.storage.Feature;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.trust.TrustPolicy;
import io.ingot.trust.Verified;
import io.ingot.util.LimitedRead;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import org.apache.commons.io.input.BoundedInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code ingot pull oci://REGISTRY/REPO:TAG} (or {@code @sha256:...}): the image ingot pushed, back into a storage.
 * Every blob is checked while it streams in (its sha256 and size against its descriptor), each file against ingot's
 * manifest from the config, and the version is registered as every pulled version is
 * ({@link io.ingot.images.Publisher#registerVersion}, with its import check). Before a blob is downloaded, the
 * envelope in the config must be signed by a trusted key over exactly the files the image carries and ingot's
 * manifest ({@link TrustPolicy}, as {@code ingot pull} and {@code ingot s3 pull}); the version is then signed again
 * here. A refusal keeps nothing.
 */
public final class OciPull {
    private final ImageStore store;
    private final Consumer<String> progress;
    private final TrustPolicy policy;

    public OciPull(ImageStore store, Consumer<String> progress) {
        this(store, progress, null);
    }

    /** {@code policy}: what an image must carry (null: {@code images/trust.yaml}'s, by default signed). */
    public OciPull(ImageStore store, Consumer<String> progress, TrustPolicy policy) {
        this.store = store;
        this.progress = progress;
        this.policy = policy;
    }

    public TemplateVersion pull(String url, String storage) throws IOException {
        OciReference ref = OciReference.parse(url);
        if (ref.reference() == null) throw new UserError("'" + url + "': name the image by tag or digest: oci://REGISTRY/REPO:TAG or @sha256:...");
        RegistryClient registry = new RegistryClient(ref);
        byte[] manifestBytes = registry.manifest(ref.reference());
        String manifestDigest = "sha256:" + Sha256.of(manifestBytes);
        if (ref.digest() != null && !ref.digest().equals(manifestDigest)) {
            throw new UserError(ref + ": the registry's manifest has digest " + manifestDigest + " (refused)");
        }
        ImageLayout.Parsed image = ImageLayout.parseManifest(manifestBytes, ref.toString());
        byte[] config;
        try (InputStream in = registry.blob(image.config().digest())) {
            config = LimitedRead.read(in, LimitedRead.JSON_ANSWER, ref + " (config)", "an image config is never that large");
        }
        check(image.config(), config.length, "sha256:" + Sha256.of(config), "config");
        Manifest m = ImageLayout.ingotManifest(config, ref.toString());
        if (m.disk() == null || m.version() == null) throw new UserError(ref + ": ingot's manifest in it names no version or disk");
        String of = TemplateRef.checkName(m.name(), "template name") + ":" + m.version();
        if (store.catalog().version(m.name(), m.version()).isPresent()) throw new UserError(of + " is already in the local catalog");
        store.storages().get(storage).require(Feature.TEMPLATE);

        // which file each layer holds: the disk, the RAM template's files if they came along, the SBOM
        Map<String, String> wanted = new LinkedHashMap<>();
        wanted.put(TemplateRef.checkVersionFile(m.disk().file()), m.disk().sha256());
        Map<String, String> ram = new LinkedHashMap<>();
        if (m.ram() != null) {
            for (Manifest.RamFile f : new Manifest.RamFile[] {m.ram().memoryFile(), m.ram().stateFile(), m.ram().captureOverlay()}) {
                if (f != null && f.file() != null) ram.put(TemplateRef.checkVersionFile(f.file()), f.sha256());
            }
        }
        String sbom = m.sbom() == null ? null : TemplateRef.checkVersionFile(m.sbom().file());
        Map<String, ImageLayout.Blob> layers = new LinkedHashMap<>();
        for (ImageLayout.Blob b : image.layers()) {
            String file = b.annotations().get(ImageLayout.FILE);
            if (file == null || !(wanted.containsKey(file) || ram.containsKey(file) || file.equals(sbom)) || layers.put(file, b) != null) {
                throw new UserError(ref + ": layer " + b.digest() + " holds '" + file + "', which is not a file of " + of + " (or a second copy)");
            }
        }
        if (!layers.containsKey(m.disk().file())) throw new UserError(ref + ": no layer holds the disk " + m.disk().file());
        boolean withRam = !ram.isEmpty() && layers.keySet().containsAll(ram.keySet());
        if (!withRam && ram.keySet().stream().anyMatch(layers::containsKey)) throw new UserError(ref + ": has only some of the RAM template's files of " + of);
        if (withRam) wanted.putAll(ram);
        boolean withSbom = sbom != null && layers.containsKey(sbom);
        if (withSbom) wanted.put(sbom, m.sbom().sha256());
        Manifest registered = withRam || m.ram() == null ? m : m.withRam(null);
        if (sbom != null && !withSbom) registered = registered.withSbom(null); // an image from before SBOMs travelled
        String label = ImageLayout.manifestLabel(config);
        // the signature, over the manifest as in its label and every file the image carries, before any is downloaded
        Verified verified = store.trust().check(of + " in " + ref, ImageLayout.envelope(config), ImageLayout.subjects(wanted, label),
                policy != null ? policy : store.trust().policy()).orElse(null);
        if (verified == null) progress.accept(of + " is not signed: accepted as trust.require is none");
        else progress.accept(of + ": signed by key " + verified.keyId() + " (" + verified.keySource() + "), builder " + verified.builder());

        Map<String, Long> sizes = new LinkedHashMap<>();
        layers.forEach((f, b) -> sizes.put(f, b.size()));
        Files.createDirectories(store.paths().images());
        Path work = Files.createTempDirectory(store.paths().images(), ".oci-pull-");
        try {
            store.pullLimits().check(of, sizes, 0, work, storage);
            Map<String, Path> files = new LinkedHashMap<>();
            for (Map.Entry<String, String> w : wanted.entrySet()) {
                String file = w.getKey();
                ImageLayout.Blob b = layers.get(file);
                Path to = work.resolve(file);
                Files.createDirectories(to.getParent());
                progress.accept("downloading " + file + " of " + of + " (" + b.size() / (1 << 20) + " MiB, " + b.digest() + ")");
                String entry = (file.equals(m.disk().file()) ? ImageLayout.DISK_DIR : ImageLayout.RAM_DIR) + "/" + file;
                try (InputStream raw = registry.blob(b.digest())) {
                    BoundedInputStream counted = BoundedInputStream.builder().setInputStream(raw).setMaxCount(b.size() + 1).get();
                    MessageDigest md = Sha256.digest();
                    DigestInputStream in = new DigestInputStream(counted, md);
                    LayerTar.extract(in, entry, to, ref + " layer " + b.digest());
                    in.transferTo(OutputStream.nullOutputStream()); // the tar's padding: the digest covers the whole blob
                    check(b, counted.getCount(), "sha256:" + HexFormat.of().formatHex(md.digest()), file);
                }
                String sha = Sha256.of(to);
                if (!sha.equals(w.getValue())) {
                    throw new UserError(ref + ": " + file + " has sha256 " + sha + ", ingot's manifest says " + w.getValue() + " (refused; nothing kept)");
                }
                files.put(file, to);
            }
            if (registered == m) {
                // the manifest as it was pushed, for the checks registration makes of it
                Path manifest = work.resolve(Manifest.FILE_NAME);
                Files.write(manifest, label.getBytes(StandardCharsets.UTF_8));
                files.put(Manifest.FILE_NAME, manifest);
            }
            TemplateVersion v = store.publisher().registerVersion(registered, files, storage, null, verified).version();
            progress.accept("pulled " + v.ref() + " from " + ref + (ref.digest() == null ? " (" + manifestDigest + ")" : "") + " onto storage '" + storage + "'"
                    + (m.ram() != null && !withRam ? " without its RAM template (the image has none)" : ""));
            return v;
        } finally {
            Trees.deleteQuietly(work);
        }
    }

    /** A blob that is not what its descriptor says is refused, naming both digests. */
    private static void check(ImageLayout.Blob b, long size, String digest, String what) {
        if (size != b.size() || !digest.equals(b.digest())) {
            throw new UserError("blob " + b.digest() + " (" + what + ") came as " + digest + ", " + size + " bytes; its descriptor says "
                    + b.size() + " bytes (refused: the registry's copy is damaged or not what the manifest names; nothing kept)");
        }
    }
}
