package io.ingot.target.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI image ingot pushes, as JSON: an image manifest whose config is an ordinary image config (so that container
 * runtimes, and KubeVirt through them, take it) carrying ingot's manifest whole in the label {@code io.ingot.manifest}
 * and its main facts as labels and annotations; its layers are uncompressed tars, the disk first, then the RAM
 * template's files and the SBOM, each layer annotated with the file it holds. A signed version's DSSE envelope (an
 * in-toto statement over the files as carried and ingot's manifest as in its label) is the config's label
 * {@code io.ingot.provenance}: a label is what every registry keeps and {@code skopeo inspect} shows, and a layer a
 * container runtime would unpack into the containerDisk.
 */
final class ImageLayout {
    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    /** Also the RAM layers': a runtime refuses an image with layer types it does not know, and KubeVirt pulls through one. */
    static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar";
    static final String MANIFEST_LABEL = "io.ingot.manifest";
    static final String PROVENANCE_LABEL = "io.ingot.provenance";
    static final String CLONE = "io.ingot.clone";
    static final String FILE = "io.ingot.file";
    static final String ROLE = "io.ingot.role";
    static final String DISK_DIR = "disk";
    static final String RAM_DIR = "ingot";

    private ImageLayout() { }

    /** One blob as a manifest names it. */
    record Blob(String mediaType, String digest, long size, Map<String, String> annotations) {
        Blob {
            annotations = annotations == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
        }
    }

    /** ingot's facts of the version (and of the clone, if one was pushed) as annotations. */
    static Map<String, String> annotations(Manifest m, String cloneName) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("org.opencontainers.image.title", cloneName != null ? cloneName : m.name());
        a.put("org.opencontainers.image.version", String.valueOf(m.version()));
        if (m.createdAt() != null) a.put("org.opencontainers.image.created", m.createdAt().toString());
        a.put("org.opencontainers.image.description", "ingot " + (cloneName != null ? "clone " + cloneName + " of " : "template ") + m.ref()
                + ": a KubeVirt containerDisk (" + DISK_DIR + "/" + m.disk().file() + ")");
        a.put("io.ingot.template", m.name());
        a.put("io.ingot.version", String.valueOf(m.version()));
        if (m.buildId() != null) a.put("io.ingot.build", m.buildId());
        a.put("io.ingot.disk.sha256", m.disk().sha256());
        a.put("io.ingot.firmware", Devices.uefi(m.devices()) ? "uefi" : "bios");
        if (!m.lineage().isEmpty()) a.put("io.ingot.lineage", String.join(" <- ", m.lineage().stream().map(Manifest.Ancestor::ref).toList()));
        if (m.ram() != null) a.put("io.ingot.ram", m.ram().compatibilityKey() == null ? "yes" : m.ram().compatibilityKey());
        if (cloneName != null) a.put(CLONE, cloneName);
        return a;
    }

    /** {@link #config(Manifest, Map, List, byte[])} of a version that is not signed. */
    static byte[] config(Manifest m, Map<String, String> labels, List<String> diffIds) {
        return config(m, labels, diffIds, null);
    }

    /**
     * The image config: amd64/linux (what a runtime asks), the labels, and each layer's digest (uncompressed: the
     * same); {@code envelope} (null: none) as the label {@value #PROVENANCE_LABEL}.
     */
    static byte[] config(Manifest m, Map<String, String> labels, List<String> diffIds, byte[] envelope) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        if (m.createdAt() != null) c.put("created", m.createdAt().toString());
        c.put("architecture", "amd64");
        c.put("os", "linux");
        ObjectNode l = c.putObject("config").putObject("Labels");
        labels.forEach(l::put);
        l.put(MANIFEST_LABEL, m.toJson());
        if (envelope != null) l.put(PROVENANCE_LABEL, new String(envelope, StandardCharsets.UTF_8));
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(ids::add);
        return bytes(c);
    }

    static byte[] manifest(Blob config, List<Blob> layers, Map<String, String> annotations) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("schemaVersion", 2);
        n.put("mediaType", MANIFEST_TYPE);
        n.set("config", descriptor(config));
        ArrayNode ls = n.putArray("layers");
        layers.forEach(b -> ls.add(descriptor(b)));
        ObjectNode a = n.putObject("annotations");
        annotations.forEach(a::put);
        return bytes(n);
    }

    /** An image manifest as it came: its config and layers; anything else (an index, a Docker schema) is refused. */
    record Parsed(Blob config, List<Blob> layers, Map<String, String> annotations) { }

    static Parsed parseManifest(byte[] json, String what) {
        JsonNode n = Json.foreign(json, what);
        if (n.path("schemaVersion").asInt() != 2 || !MANIFEST_TYPE.equals(n.path("mediaType").asText(MANIFEST_TYPE))) {
            throw new UserError(what + ": not an OCI image manifest (mediaType " + n.path("mediaType").asText("none") + ")");
        }
        List<Blob> layers = new ArrayList<>();
        for (JsonNode l : n.path("layers")) layers.add(blob(l, what));
        return new Parsed(blob(n.path("config"), what), layers, strings(n.path("annotations")));
    }

    /** ingot's manifest from an image config's label; an image without one is not ingot's. */
    static Manifest ingotManifest(byte[] config, String what) {
        JsonNode labels = Json.foreign(config, what).path("config").path("Labels");
        if (!labels.path(MANIFEST_LABEL).isTextual()) {
            throw new UserError(what + ": no label " + MANIFEST_LABEL + " in the image config: not a template pushed by ingot");
        }
        if (labels.has(CLONE)) {
            throw new UserError(what + ": holds clone '" + labels.path(CLONE).asText() + "', not a template version; ingot pull takes template versions");
        }
        return Manifest.fromForeign(labels.path(MANIFEST_LABEL).asText().getBytes(StandardCharsets.UTF_8), what + " (label " + MANIFEST_LABEL + ")");
    }

    /** The label's text as it was pushed. */
    static String manifestLabel(byte[] config) {
        return Json.foreign(config, "image config").path("config").path("Labels").path(MANIFEST_LABEL).asText();
    }

    /** The envelope the config carries (null: none). */
    static byte[] envelope(byte[] config) {
        JsonNode l = Json.foreign(config, "image config").path("config").path("Labels").path(PROVENANCE_LABEL);
        return l.isTextual() ? l.asText().getBytes(StandardCharsets.UTF_8) : null;
    }

    /**
     * What a signature covers: each file an image carries (name -> sha256 as ingot's manifest gives it) and the
     * manifest as in its label ({@code manifest.json}).
     */
    static Map<String, String> subjects(Map<String, String> carried, String manifestLabel) {
        Map<String, String> out = new java.util.TreeMap<>(carried);
        out.put(Manifest.FILE_NAME, io.ingot.util.Sha256.of(manifestLabel.getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    private static Blob blob(JsonNode d, String what) {
        String digest = d.path("digest").asText("");
        if (!OciReference.DIGEST.matcher(digest).matches() || !d.path("size").canConvertToLong() || d.path("size").asLong() < 0) {
            throw new UserError(what + ": a descriptor without a sha256 digest and size: " + d);
        }
        return new Blob(d.path("mediaType").asText(""), digest, d.path("size").asLong(), strings(d.path("annotations")));
    }

    private static Map<String, String> strings(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static ObjectNode descriptor(Blob b) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        d.put("mediaType", b.mediaType());
        d.put("digest", b.digest());
        d.put("size", b.size());
        if (!b.annotations().isEmpty()) {
            ObjectNode a = d.putObject("annotations");
            b.annotations().forEach(a::put);
        }
        return d;
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return Json.MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
