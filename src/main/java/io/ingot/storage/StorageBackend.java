package io.ingot.storage;

import io.ingot.template.Manifest;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A place where template versions and clones live, in the manner of a Proxmox storage plugin:
 * it declares its {@link Feature}s and ingot refuses what it lacks ({@link #require}).
 */
public interface StorageBackend {

    /** The storage's name in storage.yaml ({@code local} for the default). */
    String name();

    /** Its type, e.g. {@code dir}. */
    String type();

    Set<Feature> features();

    /** Refuses an operation this backend lacks: "storage 'x' (dir) cannot make linked clones". */
    default void require(Feature feature) {
        if (!features().contains(feature)) {
            throw new UserError("storage '" + name() + "' (" + type() + ") cannot " + feature.action());
        }
    }

    /**
     * Publishes a template version: the writer fills a temporary location, then the files are made
     * read-only and renamed into place atomically. Fails if the version already exists here.
     */
    TemplateFiles publishVersion(String template, int version, StagedVersion.Writer writer) throws IOException;

    Optional<TemplateFiles> locate(String template, int version);

    /**
     * The disk state a version's RAM template was captured with, as the base of memory clones
     * ({@link #createLinkedClone}): {@code baseImage} and {@code format} name the capture disk.
     */
    TemplateFiles captureDisk(TemplateFiles version, Manifest.Ram ram);

    /** A writable copy-on-write clone of a base image (or of a {@link #captureDisk}) on this storage. */
    CloneFiles createLinkedClone(TemplateFiles base, String clone) throws IOException;

    /** An independent copy of {@code sourceDisk} (which may be on another storage) in {@code format}. */
    CloneFiles createFullClone(Path sourceDisk, String sourceFormat, String clone, String format) throws IOException;

    Optional<CloneFiles> locateClone(String clone);

    void deleteClone(String clone) throws IOException;

    void deleteVersion(String template, int version) throws IOException;

    /** The manifests of all versions present (what {@code catalog reindex} reads). */
    List<Manifest> listVersions() throws IOException;

    /** Removes what interrupted publishes and clones left behind (their owner process is dead); returns how many. */
    int cleanLeftovers() throws IOException;
}
