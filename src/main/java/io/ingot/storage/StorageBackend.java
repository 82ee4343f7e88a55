package io.ingot.storage;

import io.ingot.qemu.QemuImg;
import io.ingot.storage.FeatureTable.State;
import io.ingot.template.Manifest;
import io.ingot.util.UserError;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A place where template versions and clones live, in the manner of a Proxmox storage plugin: it declares what it
 * can do in a {@link FeatureTable} and ingot refuses what it lacks ({@link #require}); it decides how a disk is
 * written into it ({@link StagedVersion}) and hands out {@link Volume}s, never paths to things that are not files.
 */
public interface StorageBackend {

    /** The storage's name in storage.yaml ({@code local} for the default). */
    String name();

    /** Its type, e.g. {@code dir}. */
    String type();

    FeatureTable features();

    /** Refuses an operation this backend lacks: "storage 'x' (dir) cannot make linked clones". */
    default void require(Feature feature) {
        if (!features().has(feature)) {
            throw new UserError("storage '" + name() + "' (" + type() + ") cannot " + feature.action());
        }
    }

    /** Refuses an operation this backend cannot start from a volume in that state and format. */
    default void require(Feature feature, State state, String format) {
        require(feature);
        if (!features().has(feature, state, format)) {
            throw new UserError("storage '" + name() + "' (" + type() + ") cannot " + feature.action() + " from "
                    + format + " images (only from " + String.join(", ", features().formats(feature, state)) + ")");
        }
    }

    /**
     * Publishes a template version: the writer fills it under a temporary name, then it is made read-only and renamed
     * into place atomically. Fails if the version already exists here.
     */
    TemplateFiles publishVersion(String template, int version, StagedVersion.Writer writer) throws IOException;

    Optional<TemplateFiles> locate(String template, int version);

    /** The disk state a version's RAM template was captured with: the parent of its memory clones. */
    Volume captureDisk(TemplateFiles version, Manifest.Ram ram);

    /**
     * A writable copy-on-write clone on this storage of {@code parent}: the version's base image or its
     * {@link #captureDisk}.
     */
    CloneFiles createLinkedClone(TemplateFiles version, Volume parent, String clone) throws IOException;

    /** An independent copy of {@code source} (which may be on another storage) in {@code format}. */
    CloneFiles createFullClone(Volume source, String clone, String format) throws IOException;

    Optional<CloneFiles> locateClone(String clone);

    /** Grows a clone's disk to {@code bytes} (its guest grows its file system at boot, e.g. cloud-init's growpart). */
    default void growDisk(CloneFiles clone, long bytes) throws IOException {
        require(Feature.RESIZE, State.CURRENT, clone.format());
        // qemu-img opens files and block URIs (rbd:...) alike; an rbd image is resized by its driver
        new QemuImg().resize(clone.disk().target(), clone.format(), bytes);
    }

    void deleteClone(String clone) throws IOException;

    void deleteVersion(String template, int version) throws IOException;

    /** The manifests of all versions present (what {@code catalog reindex} reads). */
    List<Manifest> listVersions() throws IOException;

    /** Removes what interrupted publishes and clones left behind (their owner process is dead); returns how many. */
    int cleanLeftovers() throws IOException;
}
