package io.ingot.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.template.Manifest;
import io.ingot.util.Json;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Map;

/**
 * An in-toto Statement v1 whose subjects are every file of a template version with its sha256, with a SLSA
 * Provenance v1 predicate made from the version's manifest and the build's facts.
 */
public final class Provenance {
    public static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
    public static final String PREDICATE_TYPE = "https://slsa.dev/provenance/v1";
    /** A URN: it names ingot's way of building without claiming a web address. */
    public static final String BUILD_TYPE = "urn:ingot:build-type:recipe:v1";

    private Provenance() { }

    /** The builder id of this host ({@code urn:ingot:builder:HOST}), or of a named worker on it ({@code ...:HOST/NAME}). */
    public static String builderId(String worker) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return "urn:ingot:builder:" + host + (worker == null ? "" : "/" + worker);
    }

    /** The SLSA predicate of a version: {@code facts} may be null (a version published outside a build). */
    public static ObjectNode predicate(Manifest m, BuildFacts facts) {
        ObjectNode p = Json.MAPPER.createObjectNode();
        ObjectNode def = p.putObject("buildDefinition");
        def.put("buildType", BUILD_TYPE);
        ObjectNode ext = def.putObject("externalParameters");
        ObjectNode recipe = ext.putObject("recipe");
        recipe.put("name", facts != null && facts.recipe() != null ? facts.recipe() : m.name());
        if (m.recipeHash() != null) recipe.putObject("digest").put("sha256", m.recipeHash());
        if (m.from() != null) ext.put("from", m.from());
        ObjectNode internal = def.putObject("internalParameters");
        putIf(internal, "qemuVersion", m.qemuVersion());
        putIf(internal, "accelerator", facts == null ? null : facts.accelerator());
        putIf(internal, "machineType", m.machineType());
        putIf(internal, "cpuModel", m.cpuModel());
        if (m.cpus() != null) internal.put("cpus", m.cpus());
        if (m.memoryMiB() != null) internal.put("memoryMiB", m.memoryMiB());
        ArrayNode deps = def.putArray("resolvedDependencies");
        if (m.mediaChecksum() != null) {
            for (String c : m.mediaChecksum().split(",")) {
                ObjectNode d = deps.addObject().put("name", "media");
                String[] kv = c.strip().split(":", 2);
                if (kv.length == 2) d.putObject("digest").put(kv[0], kv[1]);
                else d.put("uri", c.strip());
            }
        }
        for (Manifest.Ancestor a : m.lineage()) {
            if (!a.ref().equals(m.parent())) continue; // the parent's own provenance names the rest
            ObjectNode d = deps.addObject().put("name", "parent").put("uri", "ingot:template:" + a.ref());
            if (a.sha256() != null) d.putObject("digest").put("sha256", a.sha256());
        }
        if (facts != null) {
            for (BuildFacts.Input in : facts.inputs()) {
                ObjectNode d = deps.addObject().put("name", in.name());
                putIf(d, "uri", in.uri());
                d.putObject("digest").put("sha256", in.sha256());
            }
        }
        ObjectNode run = p.putObject("runDetails");
        run.putObject("builder").put("id", facts != null && facts.builderId() != null ? facts.builderId() : builderId(null));
        ObjectNode meta = run.putObject("metadata");
        putIf(meta, "invocationId", m.buildId());
        if (facts != null && facts.startedOn() != null) meta.put("startedOn", facts.startedOn().toString());
        Instant finished = facts != null && facts.finishedOn() != null ? facts.finishedOn() : m.createdAt();
        if (finished != null) meta.put("finishedOn", finished.toString());
        return p;
    }

    /** The statement: subjects (file name in the version folder -> sha256 hex), sorted by name, and the predicate. */
    public static byte[] statement(Map<String, String> subjects, JsonNode predicate) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("_type", STATEMENT_TYPE);
        ArrayNode subject = s.putArray("subject");
        subjects.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                subject.addObject().put("name", e.getKey()).putObject("digest").put("sha256", e.getValue()));
        s.put("predicateType", PREDICATE_TYPE);
        s.set("predicate", predicate);
        try {
            return Json.MAPPER.writeValueAsBytes(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The builder id a predicate names (null: none). */
    public static String builder(JsonNode predicate) {
        JsonNode id = predicate.path("runDetails").path("builder").path("id");
        return id.isTextual() ? id.asText() : null;
    }

    private static void putIf(ObjectNode o, String field, String value) {
        if (value != null) o.put(field, value);
    }
}
