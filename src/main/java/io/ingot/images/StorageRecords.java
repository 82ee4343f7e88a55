package io.ingot.images;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.Catalog;
import io.ingot.catalog.CloneKind;
import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.TemplateListener;
import io.ingot.catalog.TemplateRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.storage.CloneMarker;
import io.ingot.storage.StorageConfig;
import io.ingot.template.TemplateRef;
import io.ingot.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the catalog keeps besides the versions' own manifests, recorded on the storages so that
 * {@code ingot catalog reindex} can rebuild it from them: each template's channels and revoked versions in
 * {@code templates/NAME/template.json} on every storage holding one of its versions (written atomically after
 * each change), and each clone's {@code vm.json} in its directory. Both backends keep them under their local
 * directory (a {@code dir} storage's root; {@code <images>/rbd/NAME} for rbd).
 */
public final class StorageRecords implements TemplateListener {
    public static final String TEMPLATE_FILE = "template.json";
    private static final Logger LOG = LoggerFactory.getLogger(StorageRecords.class);

    private final StorageConfig config;

    public StorageRecords(StorageConfig config) { this.config = config; }

    private Path localDir(String storage) { return config.entry(storage).path(); }

    /** Rewrites the template's file on the storages holding its versions, and removes it where none is left. */
    @Override
    public void changed(Catalog catalog, String template) {
        List<TemplateVersion> versions = catalog.versions(template);
        Set<String> holding = new TreeSet<>();
        List<Integer> revoked = new ArrayList<>();
        for (TemplateVersion v : versions) {
            if (v.deleting()) continue;
            holding.addAll(v.storages());
            if (v.revoked()) revoked.add(v.version());
        }
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("name", template);
        content.put("channels", catalog.channels(template));
        content.put("revoked", revoked);
        content.put("updated", Instant.now().toString());
        for (String storage : config.storages().keySet()) {
            Path dir = localDir(storage).resolve("templates").resolve(template);
            try {
                if (holding.contains(storage)) {
                    write(dir.resolve(TEMPLATE_FILE), content);
                } else if (Files.deleteIfExists(dir.resolve(TEMPLATE_FILE))) {
                    try (Stream<Path> rest = Files.list(dir)) {
                        if (rest.findAny().isEmpty()) Files.deleteIfExists(dir);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir.resolve(TEMPLATE_FILE) + ": " + e.getMessage(), e);
            }
        }
    }

    private static void write(Path file, Object content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.write(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(content));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Each template's record, the newest where storages disagree. */
    public Map<String, TemplateRecord> templates() {
        Map<String, TemplateRecord> out = new LinkedHashMap<>();
        for (String storage : config.storages().keySet()) {
            Path templates = localDir(storage).resolve("templates");
            if (!Files.isDirectory(templates)) continue;
            try (Stream<Path> dirs = Files.list(templates)) {
                for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                    Path f = d.resolve(TEMPLATE_FILE);
                    if (!Files.isRegularFile(f)) continue;
                    try {
                        TemplateRecord r = Json.MAPPER.readValue(f.toFile(), TemplateRecord.class);
                        TemplateRecord known = out.get(d.getFileName().toString());
                        if (known == null || (r.updated() != null && known.updated() != null && r.updated().isAfter(known.updated()))) {
                            out.put(d.getFileName().toString(), r);
                        }
                    } catch (IOException e) {
                        LOG.warn("skipping {}: {}", f, e.getMessage());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + templates + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The whole clones on every storage, from their vm.json (clones still marked as being made are not whole). */
    public List<CloneRecord> clones() {
        List<CloneRecord> out = new ArrayList<>();
        for (String storage : config.storages().keySet()) {
            Path clones = localDir(storage).resolve("clones");
            if (!Files.isDirectory(clones)) continue;
            try (Stream<Path> dirs = Files.list(clones)) {
                for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                    Path vm = d.resolve("vm.json");
                    if (d.getFileName().toString().startsWith(".") || !Files.isRegularFile(vm) || CloneMarker.of(d).isPresent()) continue;
                    try {
                        out.add(cloneRecord(storage, d.getFileName().toString(), Files.readString(vm)));
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("skipping clone {}: {}", d, e.getMessage());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + clones + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** A clone's catalog row from its vm.json: parent, kind, storage and creation time are all in it. */
    static CloneRecord cloneRecord(String storage, String name, String vmJson) throws IOException {
        JsonNode vm = Json.MAPPER.readTree(vmJson);
        TemplateRef parent = TemplateRef.parse(vm.path("template").asText());
        if (parent.version() == null) throw new IOException("its vm.json names no template version");
        CloneKind kind = CloneKind.valueOf(vm.path("kind").asText("").toUpperCase());
        Instant created = vm.hasNonNull("created") ? Instant.parse(vm.get("created").asText()) : Instant.now();
        String on = vm.path("storage").asText(storage);
        return new CloneRecord(name, parent.name(), parent.version(), on, kind, created, vmJson.strip());
    }
}
