package io.ingot.clone;

import io.ingot.util.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds a clone's NoCloud seed: a {@code cidata} ISO with meta-data and user-data, as cloud-init reads it. */
public final class SeedBuilder {

    /** Writes {@code seed/} and {@code seed.iso} into {@code cloneDir}; returns the ISO. */
    public Path build(Path cloneDir, String instanceId, String hostname, List<String> authorizedKeys) throws IOException {
        Path src = cloneDir.resolve("seed");
        Files.createDirectories(src);
        Files.writeString(src.resolve("meta-data"), "instance-id: " + instanceId + "\nlocal-hostname: " + hostname + "\n");
        StringBuilder user = new StringBuilder("#cloud-config\nhostname: ").append(hostname).append("\nssh_authorized_keys:\n");
        for (String k : authorizedKeys) user.append("  - \"").append(k.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        Files.writeString(src.resolve("user-data"), user.toString());
        Path iso = cloneDir.resolve("seed.iso");
        Command.run(List.of("xorriso", "-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", iso.toString(), src.toString()));
        return iso;
    }

}
