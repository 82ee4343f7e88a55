package io.ingot.vm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.ingot.util.Command;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A clone's NoCloud seed: a {@code cidata} ISO with meta-data, user-data and, for NICs on networks of
 * networks.yaml, network-config, as stock cloud-init reads it
 * (and tiny-linux's own NoCloud script). The user-data is written with a YAML library: keys are opaque
 * text and must survive any character. {@code disable_root: false} lets root log in with the seed's keys
 * (stock cloud-init on Debian and Ubuntu would otherwise turn root's key into "Please login as ..."),
 * which the verify stage and ingot's own access need; the keys also go to the image's default user.
 *
 * <p>Like Proxmox's cloud-init drive, the ISO is made when the clone starts ({@link #ensureIso}), not when
 * it is created: xorriso costs far more than the rest of a linked clone. Memory clones, whose point is a
 * fast start, make it when they are created.
 */
public final class SeedBuilder {

    /**
     * What a seed says: the clone's instance id (new id = new instance: host keys, machine-id), host name, keys,
     * the host keys ingot made for it (null: the guest makes its own), and the owner's own cloud-config
     * ({@code --user-data}; empty: none), merged under what ingot must keep; {@code networkConfig}: the NICs' network
     * configuration (cloud-init's version 2; null: none, the image's own DHCP setup applies).
     */
    public record Seed(String instanceId, String hostname, List<String> authorizedKeys, HostKeys hostKeys,
                       Map<String, Object> cloudConfig, Map<String, Object> networkConfig) {
        public Seed {
            authorizedKeys = List.copyOf(authorizedKeys);
            cloudConfig = cloudConfig == null ? Map.of() : new LinkedHashMap<>(cloudConfig);
        }

        public Seed(String instanceId, String hostname, List<String> authorizedKeys, HostKeys hostKeys,
                    Map<String, Object> cloudConfig) {
            this(instanceId, hostname, authorizedKeys, hostKeys, cloudConfig, null);
        }

        public Seed(String instanceId, String hostname, List<String> authorizedKeys, HostKeys hostKeys) {
            this(instanceId, hostname, authorizedKeys, hostKeys, Map.of());
        }
    }

    /** The keys of the owner's cloud-config that ingot sets itself: its access (root's keys, host keys) and name. */
    public static final List<String> KEPT_BY_INGOT = List.of("hostname", "fqdn", "disable_root", "ssh_keys");

    /** Writes {@code seed/} (meta-data, user-data) into {@code cloneDir}; returns where the ISO goes. */
    public Path write(Path cloneDir, String instanceId, String hostname, List<String> authorizedKeys) throws IOException {
        return write(cloneDir, instanceId, hostname, authorizedKeys, null);
    }

    /** As {@link #write(Path, String, String, List)}, with the clone's host keys in the user-data. */
    public Path write(Path cloneDir, String instanceId, String hostname, List<String> authorizedKeys, HostKeys hostKeys) throws IOException {
        return write(cloneDir, new Seed(instanceId, hostname, authorizedKeys, hostKeys));
    }

    /** Writes {@code seed/} for {@code seed} into {@code cloneDir}; returns where the ISO goes. */
    public Path write(Path cloneDir, Seed seed) throws IOException {
        HostKeys hostKeys = seed.hostKeys();
        Path src = cloneDir.resolve("seed");
        Files.createDirectories(src);
        Files.writeString(src.resolve("meta-data"), metaData(seed));
        Path userData = src.resolve("user-data");
        if (hostKeys != null) {
            // private host keys: readable by root alone, like /etc/ssh/ssh_host_*_key
            Files.deleteIfExists(userData);
            Files.createFile(userData, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(userData, userData(seed));
        Path network = src.resolve("network-config");
        if (seed.networkConfig() != null) Files.writeString(network, Json.YAML.writeValueAsString(seed.networkConfig()));
        else Files.deleteIfExists(network);
        return cloneDir.resolve("seed.iso");
    }

    static String metaData(Seed seed) throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("instance-id", seed.instanceId());
        meta.put("local-hostname", seed.hostname());
        return Json.YAML.writeValueAsString(meta);
    }

    static String userData(Seed seed) throws IOException {
        Map<String, Object> owner = new LinkedHashMap<>(seed.cloudConfig());
        KEPT_BY_INGOT.forEach(owner::remove);
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("hostname", seed.hostname());
        // cloud-init's default (false) keeps an old /etc/hosts line for the template's name
        user.put("manage_etc_hosts", owner.getOrDefault("manage_etc_hosts", true));
        user.put("disable_root", false);
        user.put("ssh_pwauth", owner.getOrDefault("ssh_pwauth", false));
        // the owner's keys first, then the ones ingot gives (the owner's --ssh-key files and ingot's access key)
        List<String> keys = new ArrayList<>();
        if (owner.remove("ssh_authorized_keys") instanceof List<?> own) own.forEach(k -> keys.add(String.valueOf(k)));
        for (String k : seed.authorizedKeys()) if (!keys.contains(k)) keys.add(k);
        user.put("ssh_authorized_keys", keys);
        if (seed.hostKeys() != null) user.put("ssh_keys", seed.hostKeys().cloudInit());
        owner.forEach(user::putIfAbsent);
        // multi-line values (the private keys) as literal blocks, line for line as in a key file
        return "#cloud-config\n" + Json.YAML.writer().with(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE).writeValueAsString(user);
    }

    /**
     * The owner's cloud-config from {@code file} ({@code --user-data}): YAML whose first line is
     * {@code #cloud-config} and whose document is a mapping; anything else is a one-line {@link UserError}.
     */
    public static Map<String, Object> readCloudConfig(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UserError("cannot read user-data file " + file + ": " + e.getMessage());
        }
        if (!text.startsWith("#cloud-config")) {
            throw new UserError(file + ":1: not cloud-config: the first line must be #cloud-config"
                    + " (other user-data formats, such as scripts, are not merged with ingot's)");
        }
        Object doc;
        try {
            doc = Json.YAML.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new UserError(file + where + ": not YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (doc == null) return Map.of();
        if (!(doc instanceof Map<?, ?> map)) throw new UserError(file + ": cloud-config must be a mapping of keys (such as runcmd:)");
        Map<String, Object> config = new LinkedHashMap<>();
        map.forEach((k, v) -> config.put(String.valueOf(k), v));
        return config;
    }

    /** The host keys of a seed's user-data, as {@link #write} wrote them; empty when the seed has none. */
    public static Optional<HostKeys> hostKeys(Path userData) throws IOException {
        Map<String, Object> user = Json.YAML.readValue(userData.toFile(), new TypeReference<Map<String, Object>>() { });
        Object keys = user == null ? null : user.get("ssh_keys");
        if (!(keys instanceof Map<?, ?> map)) return Optional.empty();
        HostKeys hostKeys = HostKeys.fromCloudInit(map);
        return hostKeys.keys().isEmpty() ? Optional.empty() : Optional.of(hostKeys);
    }

    /** The ssh_authorized_keys of a seed's user-data, as {@link #write} wrote them. */
    public static List<String> authorizedKeys(Path userData) throws IOException {
        Map<String, Object> user = Json.YAML.readValue(userData.toFile(), new TypeReference<Map<String, Object>>() { });
        Object keys = user == null ? null : user.get("ssh_authorized_keys");
        if (!(keys instanceof List<?> list)) return List.of();
        return list.stream().map(String::valueOf).toList();
    }

    /** Writes the seed files and makes the ISO at once (the verify clone starts right away). */
    public Path build(Path cloneDir, String instanceId, String hostname, List<String> authorizedKeys) throws IOException {
        return ensureIso(write(cloneDir, instanceId, hostname, authorizedKeys));
    }

    /** Makes {@code iso} from the {@code seed/} folder beside it when it is missing or older than the folder's files. */
    public Path ensureIso(Path iso) throws IOException {
        Path src = iso.resolveSibling("seed");
        if (Files.exists(iso)) {
            var isoTime = Files.getLastModifiedTime(iso);
            boolean stale = false;
            try (var files = Files.list(src)) {
                for (Path f : files.toList()) stale |= Files.getLastModifiedTime(f).compareTo(isoTime) > 0;
            }
            if (!stale) return iso;
        }
        Path tmp = iso.resolveSibling(iso.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Command.run(List.of("xorriso", "-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", tmp.toString(), src.toString()));
        Files.move(tmp, iso, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return iso;
    }
}
