package io.ingot.vm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.ingot.util.Command;
import io.ingot.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A clone's NoCloud seed: a {@code cidata} ISO with meta-data and user-data, as stock cloud-init reads it
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
     * and the host keys ingot made for it (null: the guest makes its own).
     */
    public record Seed(String instanceId, String hostname, List<String> authorizedKeys, HostKeys hostKeys) {
        public Seed {
            authorizedKeys = List.copyOf(authorizedKeys);
        }
    }

    /** Writes {@code seed/} (meta-data, user-data) into {@code cloneDir}; returns where the ISO goes. */
    public Path write(Path cloneDir, String instanceId, String hostname, List<String> authorizedKeys) throws IOException {
        return write(cloneDir, instanceId, hostname, authorizedKeys, null);
    }

    /** As {@link #write(Path, String, String, List)}, with the clone's host keys in the user-data. */
    public Path write(Path cloneDir, String instanceId, String hostname, List<String> authorizedKeys, HostKeys hostKeys) throws IOException {
        Seed seed = new Seed(instanceId, hostname, authorizedKeys, hostKeys);
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
        return cloneDir.resolve("seed.iso");
    }

    static String metaData(Seed seed) throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("instance-id", seed.instanceId());
        meta.put("local-hostname", seed.hostname());
        return Json.YAML.writeValueAsString(meta);
    }

    static String userData(Seed seed) throws IOException {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("hostname", seed.hostname());
        // cloud-init's default (false) keeps an old /etc/hosts line for the template's name
        user.put("manage_etc_hosts", true);
        user.put("disable_root", false);
        user.put("ssh_pwauth", false);
        user.put("ssh_authorized_keys", seed.authorizedKeys());
        if (seed.hostKeys() != null) user.put("ssh_keys", seed.hostKeys().cloudInit());
        // multi-line values (the private keys) as literal blocks, line for line as in a key file
        return "#cloud-config\n" + Json.YAML.writer().with(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE).writeValueAsString(user);
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
