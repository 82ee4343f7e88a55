package io.ingot.template;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a template version is: written as {@code manifest.json} beside its base image, and kept
 * in the catalog. The manifest on the storage is the truth; {@code ingot catalog reindex} rebuilds
 * the catalog from it. The build pipeline fills in most fields; the {@code Publisher} adds
 * name, version, createdAt, disk and lineage.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        String name,
        Integer version,
        String buildId,
        Instant createdAt,
        String recipeHash,
        String mediaChecksum,
        String qemuVersion,
        String machineType,
        String cpuModel,
        Integer cpus,
        Integer memoryMiB,
        List<String> devices,
        Disk disk,
        Map<String, Long> stageTimings,
        String parent,
        List<Ancestor> lineage,
        Ram ram,
        String from,
        SbomFile sbom) {

    public static final String FILE_NAME = "manifest.json";


    public Manifest {
        devices = devices == null ? List.of() : List.copyOf(devices);
        stageTimings = stageTimings == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stageTimings)); // in stage order
        lineage = lineage == null ? List.of() : List.copyOf(lineage);
    }

    /**
     * One template version this one was built from: {@code ref} (NAME:VERSION), the sha256 of its base image, its
     * build, and for the first ancestor (built from installation media) the media's checksum.
     */
    public record Ancestor(String ref, String sha256, String buildId, String mediaChecksum) { }

    /** The base image: file name relative to the version directory, sizes in bytes. */
    public record Disk(String file, String format, Long virtualSize, Long actualSize, String sha256) { }

    /** The version's SBOM ({@code sbom.cdx.json}, CycloneDX): file name, sha256, size, and how many components it lists. */
    public record SbomFile(String file, String sha256, Long size, Integer components) { }

    /** One file of a RAM template. */
    public record RamFile(String file, String sha256, Long size) { }

    /**
     * A RAM template (filled in later by the RAM stage); compatibilityKey hashes QEMU version, machine, CPU, RAM size, devices.
     * @param compatibility what the device state is valid for (its {@code key()} is compatibilityKey)
     * @param nicModel      the NIC model memory clones hot-plug after the restore (the template has none)
     * @param onRestore     the recipe's steps, run in each memory clone after it resumes
     * @param restoreScriptSize the size of the fw_cfg entry the template's VM had for the onRestore script
     *                      ({@code RestoreScript}); null for a template made without it
     * @param keptNic       the capture VM's NIC, kept in the device state (null: it was unplugged before the capture,
     *                      and memory clones plug in their own)
     */
    public record Ram(RamFile memoryFile, RamFile stateFile, RamFile captureOverlay, String compatibilityKey,
                      RamCompatibility compatibility, String nicModel, List<String> onRestore, Integer restoreScriptSize,
                      KeptNic keptNic) {
        public Ram(RamFile memoryFile, RamFile stateFile, RamFile captureOverlay, String compatibilityKey) {
            this(memoryFile, stateFile, captureOverlay, compatibilityKey, null, null, List.of(), null, null);
        }

        public Ram(RamFile memoryFile, RamFile stateFile, RamFile captureOverlay, String compatibilityKey,
                   RamCompatibility compatibility, String nicModel, List<String> onRestore, Integer restoreScriptSize) {
            this(memoryFile, stateFile, captureOverlay, compatibilityKey, compatibility, nicModel, onRestore, restoreScriptSize, null);
        }
    }

    /** A manifest with only build facts; the pipeline fills the rest with the {@code with*} methods or the canonical constructor. */
    public static Manifest empty() {
        return new Manifest(null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    public String ref() { return name + ":" + version; }

    public Manifest withIdentity(String name, int version, Instant createdAt) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    public Manifest withDisk(Disk disk) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    /**
     * Built from a published template: {@code from} as the recipe wrote it (NAME@CHANNEL follows the channel),
     * {@code parent} the version it resolved to, {@code lineage} every ancestor, the oldest first, the parent last.
     */
    public Manifest withParent(String from, String parent, List<Ancestor> lineage) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    /** This version as an ancestor of a template built from it. */
    public Ancestor asAncestor() {
        return new Ancestor(ref(), disk == null ? null : disk.sha256(), buildId, parent == null ? mediaChecksum : null);
    }

    public Manifest withLineage(String parent, List<Ancestor> lineage) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    public Manifest withBuild(String buildId, String recipeHash, String mediaChecksum) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    public Manifest withMachine(String qemuVersion, String machineType, String cpuModel, Integer cpus,
                                Integer memoryMiB, List<String> devices) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    public Manifest withStageTimings(Map<String, Long> stageTimings) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    public Manifest withSbom(SbomFile sbom) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    public Manifest withRam(Ram ram) {
        return new Manifest(name, version, buildId, createdAt, recipeHash, mediaChecksum, qemuVersion, machineType,
                cpuModel, cpus, memoryMiB, devices, disk, stageTimings, parent, lineage, ram, from, sbom);
    }

    public String toJson() {
        try {
            return Json.PRETTY.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("manifest not serialisable", e);
        }
    }

    public static Manifest fromJson(String json) throws IOException {
        return Json.MAPPER.readValue(json, Manifest.class);
    }

    /**
     * A manifest that came from elsewhere (a pull, a bucket): one that does not read as a manifest (not JSON, a key
     * twice, a field of the wrong type) is a {@link UserError} naming {@code what}.
     */
    public static Manifest fromForeign(byte[] json, String what) {
        try {
            return Json.MAPPER.treeToValue(Json.foreign(json, what), Manifest.class);
        } catch (JsonProcessingException e) {
            throw new UserError(what + ": not a manifest: " + Json.problem(e));
        }
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, toJson() + "\n");
    }

    public static Manifest read(Path file) throws IOException {
        return fromJson(Files.readString(file));
    }
}
