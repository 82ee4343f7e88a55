package io.ingot.clone;

import io.ingot.util.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A clone's NoCloud seed: a {@code cidata} ISO with meta-data and user-data, as cloud-init reads it.
 * Like Proxmox's cloud-init drive, the ISO is made when the clone starts ({@link #ensureIso}), not when
 * it is created: xorriso costs far more than the rest of a linked clone. Memory clones, whose point is a
 * fast start, make it when they are created.
 */
public final class SeedBuilder {

    /** Writes {@code seed/} (meta-data, user-data) into {@code cloneDir}; returns where the ISO goes. */
    public Path write(Path cloneDir, String instanceId, String hostname, List<String> authorizedKeys) throws IOException {
        Path src = cloneDir.resolve("seed");
        Files.createDirectories(src);
        Files.writeString(src.resolve("meta-data"), "instance-id: " + instanceId + "\nlocal-hostname: " + hostname + "\n");
        StringBuilder user = new StringBuilder("#cloud-config\nhostname: ").append(hostname).append("\nssh_authorized_keys:\n");
        for (String k : authorizedKeys) user.append("  - \"").append(k.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        Files.writeString(src.resolve("user-data"), user.toString());
        return cloneDir.resolve("seed.iso");
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
        Files.move(tmp, iso, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return iso;
    }

}
