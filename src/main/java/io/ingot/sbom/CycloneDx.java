package io.ingot.sbom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link Sbom} as a CycloneDX 1.5 JSON document (cyclonedx.org/docs/1.5/json), written with Jackson: the template
 * is {@code metadata.component}, each package a {@code library} and the kernel the {@code operating-system}
 * component, with its purl; what CycloneDX has no field for (the OSV ecosystem, the source package) is a property
 * named {@code ingot:...}. {@link #read} reads back what {@link #write} wrote.
 */
public final class CycloneDx {
    private static final String ECOSYSTEM = "ingot:ecosystem";
    private static final String SOURCE_NAME = "ingot:source-name";
    private static final String SOURCE_VERSION = "ingot:source-version";

    private CycloneDx() { }

    public static String toJson(Sbom sbom) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("bomFormat", "CycloneDX");
        root.put("specVersion", "1.5");
        root.put("serialNumber", sbom.serialNumber());
        root.put("version", 1);
        ObjectNode metadata = root.putObject("metadata");
        metadata.put("timestamp", sbom.created().toString());
        metadata.putObject("tools").putArray("components").addObject().put("type", "application").put("name", "ingot");
        ObjectNode subject = metadata.putObject("component");
        subject.put("type", "operating-system");
        String[] ref = sbom.subject().split(":", 2);
        subject.put("bom-ref", sbom.subject());
        subject.put("name", ref[0]);
        if (ref.length == 2) subject.put("version", ref[1]);
        ArrayNode components = root.putArray("components");
        for (Component c : sbom.components()) {
            ObjectNode n = components.addObject();
            n.put("type", c.type());
            n.put("bom-ref", c.purl());
            n.put("name", c.name());
            n.put("version", c.version());
            n.put("purl", c.purl());
            ArrayNode props = n.putArray("properties");
            property(props, ECOSYSTEM, c.ecosystem());
            property(props, "ingot:arch", c.arch());
            property(props, SOURCE_NAME, c.sourceName());
            property(props, SOURCE_VERSION, c.sourceVersion());
        }
        try {
            return Json.PRETTY.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("SBOM not serialisable", e);
        }
    }

    public static void write(Sbom sbom, Path file) throws IOException {
        Files.writeString(file, toJson(sbom));
    }

    public static Sbom read(Path file) throws IOException {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new UserError("no SBOM at " + file);
        }
    }

    /** A document {@link #write} wrote; {@code what} names it in errors. */
    public static Sbom parse(byte[] json, String what) {
        JsonNode root = Json.foreign(json, what);
        if (!"CycloneDX".equals(root.path("bomFormat").asText())) throw new UserError(what + ": not a CycloneDX document (bomFormat)");
        JsonNode subject = root.path("metadata").path("component");
        String name = subject.path("name").asText("");
        String version = subject.path("version").asText("");
        List<Component> components = new ArrayList<>();
        for (JsonNode n : root.path("components")) {
            components.add(new Component(n.path("type").asText(Component.LIBRARY), n.path("name").asText(), n.path("version").asText(),
                    property(n, "ingot:arch"), property(n, ECOSYSTEM), n.path("purl").asText(null),
                    property(n, SOURCE_NAME), property(n, SOURCE_VERSION)));
        }
        String created = root.path("metadata").path("timestamp").asText(null);
        return new Sbom(root.path("serialNumber").asText(""), version.isEmpty() ? name : name + ":" + version,
                created == null ? Instant.EPOCH : Instant.parse(created), components);
    }

    private static void property(ArrayNode props, String name, String value) {
        if (value != null && !value.isEmpty()) props.addObject().put("name", name).put("value", value);
    }

    private static String property(JsonNode component, String name) {
        for (JsonNode p : component.path("properties")) {
            if (name.equals(p.path("name").asText())) return p.path("value").asText(null);
        }
        return null;
    }
}
