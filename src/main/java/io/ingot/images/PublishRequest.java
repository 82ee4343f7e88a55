package io.ingot.images;

import io.ingot.template.Manifest;
import io.ingot.trust.BuildFacts;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the build pipeline hands the {@link Publisher}: the sealed disk (the VM is shut down), its
 * format, whether to compress the base image, the build's partial manifest (build id, recipe hash,
 * QEMU facts, timings; name/version/disk are filled in by the publisher), the storages to publish
 * to (the first is the primary), the channel to point at the new version (null: none), and extra files
 * that belong to the version (the RAM template: relative name in the version directory to its source), and the
 * version number when it was reserved beforehand (a build of the fleet; null: the next one), and what the build knows
 * of itself for the version's signed provenance (null: a version published outside a build).
 */
public record PublishRequest(String template, Path disk, String diskFormat, boolean compress, Manifest manifest,
                             List<String> storages, String channel, boolean baseReady, Map<String, Path> extraFiles,
                             Integer version, BuildFacts provenance) {
    public PublishRequest {
        manifest = manifest == null ? Manifest.empty() : manifest;
        storages = storages == null || storages.isEmpty() ? List.of("local") : List.copyOf(storages);
        extraFiles = extraFiles == null ? Map.of() : Map.copyOf(extraFiles);
    }

    /** Under the next version number. */
    public PublishRequest(String template, Path disk, String diskFormat, boolean compress, Manifest manifest,
                          List<String> storages, String channel, boolean baseReady, Map<String, Path> extraFiles) {
        this(template, disk, diskFormat, compress, manifest, storages, channel, baseReady, extraFiles, null, null);
    }

    /** A sealed disk still to be converted into the base image. */
    public PublishRequest(String template, Path disk, String diskFormat, boolean compress, Manifest manifest,
                          List<String> storages, String channel) {
        this(template, disk, diskFormat, compress, manifest, storages, channel, false, Map.of(), null, null);
    }

    /**
     * A base image the template stage already converted and checked (qcow2, in the build directory):
     * publishing moves it into place instead of converting it again.
     */
    public static PublishRequest ofBaseImage(String template, Path base, Manifest manifest, List<String> storages,
                                             String channel, Map<String, Path> extraFiles) {
        return new PublishRequest(template, base, "qcow2", false, manifest, storages, channel, true, extraFiles, null, null);
    }

    /** The same request under a version number reserved beforehand. */
    public PublishRequest withVersion(Integer version) {
        return new PublishRequest(template, disk, diskFormat, compress, manifest, storages, channel, baseReady, extraFiles, version, provenance);
    }

    /** The same request with the build's facts for its provenance. */
    public PublishRequest withProvenance(BuildFacts facts) {
        return new PublishRequest(template, disk, diskFormat, compress, manifest, storages, channel, baseReady, extraFiles, version, facts);
    }
}
