package io.ingot.storage;

import io.ingot.qemu.QemuImg;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code <images>/storage.yaml}: the storages, retention and clone settings.
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
 * </pre>
 * {@code local} always exists: a {@code dir} storage at the images directory, unless storage.yaml redefines it.
 */
public record StorageConfig(Path file, Map<String, Entry> storages, int keepVersions, String macPrefix) {
    public static final String FILE_NAME = "storage.yaml";
    public static final String LOCAL = "local";
    public static final int DEFAULT_KEEP = 5;
    /** "IN" in ASCII after 0x0a: the 0x02 bit of the first octet marks it locally administered, 0x01 clear = unicast. */
    public static final String DEFAULT_MAC_PREFIX = "0a:49:4e";

    public record Entry(String type, Path path, Map<String, String> options, RbdStorage.Cluster rbd) {
        public Entry { options = options == null ? Map.of() : Map.copyOf(options); }
        public Entry(String type, Path path, Map<String, String> options) { this(type, path, options, null); }
    }

    record StorageYaml(Map<String, EntryYaml> storages, RetentionYaml retention, ClonesYaml clones) { }
    record EntryYaml(String type, String path, Map<String, String> options,
                     String pool, String conf, String client, String id, String keyring) { }
    record RetentionYaml(Integer keep) { }
    record ClonesYaml(String macPrefix) { }

    public StorageConfig {
        storages = Map.copyOf(storages);
    }

    public static StorageConfig load(Path images) {
        Path file = images.resolve(FILE_NAME);
        Map<String, Entry> storages = new LinkedHashMap<>();
        storages.put(LOCAL, new Entry(DirStorage.TYPE, images, Map.of()));
        int keep = DEFAULT_KEEP;
        String macPrefix = DEFAULT_MAC_PREFIX;
        if (Files.isRegularFile(file)) {
            StorageYaml yaml;
            try {
                yaml = new ObjectMapper(new YAMLFactory())
                        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .readValue(file.toFile(), StorageYaml.class);
            } catch (UnrecognizedPropertyException e) {
                throw new UserError(file + ": unknown field '" + e.getPropertyName() + "' at " + path(e) + " (known: " + e.getKnownPropertyIds() + ")");
            } catch (JsonMappingException e) {
                throw new UserError(file + ": " + path(e) + ": " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new UserError(file + ": cannot read: " + e.getMessage());
            }
            if (yaml != null && yaml.storages() != null) {
                yaml.storages().forEach((name, e) -> {
                    TemplateRef.checkName(name, "storage name in " + file);
                    if (e == null || e.type() == null) throw new UserError(file + ": storages." + name + ".type is missing (known types: dir, rbd)");
                    if (RbdStorage.TYPE.equals(e.type())) {
                        storages.put(name, new Entry(e.type(), images.resolve("rbd").resolve(name), e.options(), rbd(file, name, e, images)));
                        return;
                    }
                    if (!DirStorage.TYPE.equals(e.type())) throw new UserError(file + ": storages." + name + ".type '" + e.type() + "' is unknown (known types: dir, rbd)");
                    if (e.path() == null || e.path().isBlank()) throw new UserError(file + ": storages." + name + ".path is missing");
                    storages.put(name, new Entry(e.type(), images.resolve(e.path()).normalize(), e.options()));
                });
            }
            if (yaml != null && yaml.retention() != null && yaml.retention().keep() != null) {
                keep = yaml.retention().keep();
                if (keep < 1) throw new UserError(file + ": retention.keep must be >= 1, not " + keep);
            }
            if (yaml != null && yaml.clones() != null && yaml.clones().macPrefix() != null) {
                macPrefix = yaml.clones().macPrefix();
            }
        }
        return new StorageConfig(file, storages, keep, macPrefix);
    }

    private static RbdStorage.Cluster rbd(Path file, String name, EntryYaml e, Path images) {
        String where = file + ": storages." + name;
        if (e.pool() == null || e.pool().isBlank()) throw new UserError(where + ".pool is missing (type rbd)");
        if (e.client() != null && e.id() != null && !e.client().equals(e.id())) {
            throw new UserError(where + ": client '" + e.client() + "' and id '" + e.id() + "' differ; give one");
        }
        String client = e.client() != null ? e.client() : e.id() != null ? e.id() : "admin";
        if (client.startsWith("client.")) client = client.substring("client.".length());
        Path conf = images.resolve(e.conf() == null ? "/etc/ceph/ceph.conf" : e.conf()).normalize();
        Path keyring = e.keyring() == null ? null : images.resolve(e.keyring()).normalize();
        return new RbdStorage.Cluster(e.pool(), conf, client, keyring);
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
        Entry e = entry(name);
        if (RbdStorage.TYPE.equals(e.type())) return new RbdStorage(name, e.rbd(), e.path(), qemuImg);
        Set<Feature> features = EnumSet.allOf(Feature.class);
        if ("false".equals(e.options().get("linked-clones"))) features.remove(Feature.LINKED_CLONE);
        if ("false".equals(e.options().get("reflink"))) features.remove(Feature.REFLINK);
        return new DirStorage(name, e.path(), features, qemuImg);
    }
}
