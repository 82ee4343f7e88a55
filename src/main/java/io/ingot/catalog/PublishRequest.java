package io.ingot.catalog;

import io.ingot.template.Manifest;

import java.nio.file.Path;
import java.util.List;

/**
 * What the build pipeline hands the {@link Publisher}: the sealed disk (the VM is shut down), its
 * format, whether to compress the base image, the build's partial manifest (build id, recipe hash,
 * QEMU facts, timings; name/version/disk are filled in by the publisher), the storages to publish
 * to (the first is the primary) and the channel to point at the new version (null: none).
 */
public record PublishRequest(String template, Path disk, String diskFormat, boolean compress, Manifest manifest,
                             List<String> storages, String channel) {
    public PublishRequest {
        manifest = manifest == null ? Manifest.empty() : manifest;
        storages = storages == null || storages.isEmpty() ? List.of("local") : List.copyOf(storages);
    }
}
