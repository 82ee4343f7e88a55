package io.ingot.images;

import io.ingot.template.Manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the build pipeline hands the {@link Publisher}: the sealed disk (the VM is shut down), its
 * format, whether to compress the base image, the build's partial manifest (build id, recipe hash,
 * QEMU facts, timings; name/version/disk are filled in by the publisher), the storages to publish
 * to (the first is the primary), the channel to point at the new version (null: none), and extra files
 * that belong to the version (the RAM template: relative name in the version directory to its source), and the
 * version number when it was reserved beforehand (a build of the fleet; null: the next one).
 */
public record PublishRequest(String template, Path disk, String diskFormat, boolean compress, Manifest manifest,
                             List<String> storages, String channel, boolean baseReady, Map<String, Path> extraFiles,
                             Integer version) {
    public PublishRequest {
        manifest = manifest == null ? Manifest.empty() : manifest;
        storages = storages == null || storages.isEmpty() ? List.of("local") : List.copyOf(storages);
        extraFiles = extraFiles == null ? Map.of() : Map.copyOf(extraFiles);
    }

    /** Under the next version number. */
    public PublishRequest(String template, Path disk, String diskFormat, boolean compress, Manifest manifest,
                          List<String> storages, String channel, boolean baseReady, Map<String, Path> extraFiles) {
        this(template, disk, diskFormat, compress, manifest, storages, channel, baseReady, extraFiles, null);
    }

    /** A sealed disk still to be converted into the base image. */
    public PublishRequest(String template, Path disk, String diskFormat, boolean compress, Manifest manifest,
                          List<String> storages, String channel) {
        this(template, disk, diskFormat, compress, manifest, storages, channel, false, Map.of(), null);
    }

    /**
     * A base image the template stage already converted and checked (qcow2, in the build directory):
     * publishing moves it into place instead of converting it again.
     */
    public static PublishRequest ofBaseImage(String template, Path base, Manifest manifest, List<String> storages,
                                             String channel, Map<String, Path> extraFiles) {
        return new PublishRequest(template, base, "qcow2", false, manifest, storages, channel, true, extraFiles, null);
    }

    /** The same request under a version number reserved beforehand. */
    public PublishRequest withVersion(Integer version) {
        return new PublishRequest(template, disk, diskFormat, compress, manifest, storages, channel, baseReady, extraFiles, version);
    }
}
