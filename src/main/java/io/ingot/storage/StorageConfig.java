package io.ingot.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import io.ingot.qemu.ImageCheck;
import io.ingot.qemu.QemuImg;
import io.ingot.template.TemplateRef;
import io.ingot.util.Json;
import io.ingot.util.Sizes;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code <images>/storage.yaml}: the storages, retention, clone and import settings.
 * <pre>
 * storages:
 *   fast:                 # a storage name, as used by publish.storage and clone --storage
 *     type: dir
 *     path: /srv/ingot    # relative paths are relative to the images directory
 *     options:
 *       linked-clones: false   # dir: refuse linked clones here
 *       reflink: false         # dir: never try FICLONE
 *   ceph:
 *     type: rbd             # Ceph RBD through the rbd/ceph CLI and QEMU's rbd driver (docs/storage.md)
 *     pool: rbd
 *     conf: /etc/ceph/ceph.conf
 *     client: ingot         # cephx user client.ingot (also accepted as "id")
 *     keyring: /etc/ceph/ceph.client.ingot.keyring   # optional: else the conf's keyring setting
 * retention:
 *   keep: 5               # versions kept per template (never one with clones or a channel)
 * clones:
 *   macPrefix: "0a:49:4e" # locally administered unicast
 * imports:
 *   maxVirtualSize: 2T    # the largest disk a pull, a worker's result, media.disk or a publish may bring in
 * </pre>
 * {@code local} always exists: a {@code dir} storage at the images directory, unless storage.yaml redefines it.
 * Each storage's section is read by its type ({@link StorageType}, registered by the type itself).
 */
public record StorageConfig(Path file, Map<String, Entry> storages, int keepVersions, String macPrefix,
                            long importMaxVirtualSize) {
    public static final String FILE_NAME = "storage.yaml";
    public static final String LOCAL = "local";
    public static final int DEFAULT_KEEP = 5;
    /** "IN" in ASCII after 0x0a: the 0x02 bit of the first octet marks it locally administered, 0x01 clear = unicast. */
    public static final String DEFAULT_MAC_PREFIX = "0a:49:4e";
    /** {@code local} when storage.yaml does not define it: what a user would write for it. */
    private static final String DEFAULT_LOCAL = "type: dir\npath: .\n";

    /**
     * A defined storage: its type, the directory where it keeps its local files (a dir storage's root; the node's
     * files of another type's volumes: clone configs, RAM templates, manifests), and how to open its backend.
     */
    public record Entry(String type, Path path, StorageType.Opener opener) { }

    record StorageYaml(Map<String, StorageType.Section> storages, RetentionYaml retention, ClonesYaml clones, ImportsYaml imports) { }
    record RetentionYaml(Integer keep) { }
    record ClonesYaml(String macPrefix) { }
    record ImportsYaml(String maxVirtualSize) { }

    public StorageConfig {
        storages = Map.copyOf(storages);
    }

    public static StorageConfig load(Path images) {
        Path file = images.resolve(FILE_NAME);
        ObjectMapper yaml = mapper();
        Map<String, Entry> storages = new LinkedHashMap<>();
        try {
            storages.put(LOCAL, yaml.readValue(DEFAULT_LOCAL, StorageType.Section.class).define(LOCAL, images, file + ": storages." + LOCAL));
        } catch (IOException e) {
            throw new IllegalStateException("the default local storage does not parse: " + e.getMessage(), e);
        }
        int keep = DEFAULT_KEEP;
        String macPrefix = DEFAULT_MAC_PREFIX;
        long maxVirtualSize = ImageCheck.DEFAULT_MAX_VIRTUAL_SIZE;
        if (Files.isRegularFile(file)) {
            StorageYaml parsed;
            try {
                parsed = yaml.readValue(file.toFile(), StorageYaml.class);
            } catch (InvalidTypeIdException e) {
                String where = path(e);
                String known = " (known types: " + String.join(", ", StorageType.registered().keySet()) + ")";
                throw new UserError(e.getTypeId() == null
                        ? file + ": " + where.replaceFirst(" \\(line", ".type is missing (line") + known
                        : file + ": " + where.replaceFirst(" \\(line", ".type '" + e.getTypeId() + "' is unknown (line") + known);
            } catch (UnrecognizedPropertyException e) {
                throw new UserError(file + ": unknown field '" + e.getPropertyName() + "' at " + path(e) + " (known: " + e.getKnownPropertyIds() + ")");
            } catch (JsonMappingException e) {
                throw new UserError(file + ": " + path(e) + ": " + e.getOriginalMessage());
            } catch (JsonProcessingException e) { // not YAML, or a key twice
                throw new UserError(file + ": " + Json.problem(e));
            } catch (IOException e) {
                throw new UserError(file + ": cannot read: " + e.getMessage());
            }
            if (parsed != null && parsed.storages() != null) {
                parsed.storages().forEach((name, section) -> {
                    TemplateRef.checkName(name, "storage name in " + file);
                    if (section == null) throw new UserError(file + ": storages." + name + ".type is missing");
                    storages.put(name, section.define(name, images, file + ": storages." + name));
                });
            }
            if (parsed != null && parsed.retention() != null && parsed.retention().keep() != null) {
                keep = parsed.retention().keep();
                if (keep < 1) throw new UserError(file + ": retention.keep must be >= 1, not " + keep);
            }
            if (parsed != null && parsed.clones() != null && parsed.clones().macPrefix() != null) {
                macPrefix = parsed.clones().macPrefix();
            }
            if (parsed != null && parsed.imports() != null && parsed.imports().maxVirtualSize() != null) {
                String size = parsed.imports().maxVirtualSize();
                try {
                    maxVirtualSize = Sizes.parseBytes(size);
                } catch (IllegalArgumentException e) {
                    throw new UserError(file + ": imports.maxVirtualSize '" + size + "': " + e.getMessage());
                }
                if (maxVirtualSize < 1) throw new UserError(file + ": imports.maxVirtualSize must be more than 0");
            }
        }
        return new StorageConfig(file, storages, keep, macPrefix, maxVirtualSize);
    }

    /** The shared YAML mapper, taught the section of every registered storage type. */
    private static ObjectMapper mapper() {
        ObjectMapper m = Json.YAML.copy();
        for (StorageType t : StorageType.registered().values()) m.registerSubtypes(new NamedType(t.section(), t.name()));
        return m;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            else sb.append('[').append(r.getIndex()).append(']');
        }
        var loc = e.getLocation();
        return (sb.isEmpty() ? "document" : sb.toString()) + (loc != null ? " (line " + loc.getLineNr() + ")" : "");
    }

    public Entry entry(String name) {
        Entry e = storages.get(name);
        if (e == null) {
            throw new UserError("unknown storage '" + name + "' (known: " + String.join(", ", new TreeSet<>(storages.keySet()))
                    + "; storages are defined in " + file + ")");
        }
        return e;
    }

    /** Opens a backend for a named storage. */
    public StorageBackend open(String name, QemuImg qemuImg) {
        return entry(name).opener().open(name, qemuImg);
    }
}
