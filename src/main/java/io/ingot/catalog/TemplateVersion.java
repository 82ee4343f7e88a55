package io.ingot.catalog;

import io.ingot.template.Manifest;

import java.time.Instant;
import java.util.List;

/**
 * A published template version as the catalog knows it; {@code storages} hold identical copies.
 *
 * @param state   {@code ready}; {@code broken} (its files are missing or incomplete on a storage, {@code problem}
 *                says how; kept while clones use it); {@code deleting} (being removed: its files are going)
 */
public record TemplateVersion(String name, int version, String buildId, List<String> storages, Manifest manifest,
                              Instant created, boolean revoked, String state, String problem) {
    public static final String READY = "ready";
    public static final String BROKEN = "broken";
    public static final String DELETING = "deleting";

    public TemplateVersion {
        storages = List.copyOf(storages);
        state = state == null ? READY : state;
    }

    public TemplateVersion(String name, int version, String buildId, List<String> storages, Manifest manifest,
                           Instant created, boolean revoked) {
        this(name, version, buildId, storages, manifest, created, revoked, READY, null);
    }

    public String ref() { return name + ":" + version; }
    public String primaryStorage() { return storages.get(0); }
    public boolean broken() { return BROKEN.equals(state); }
    public boolean deleting() { return DELETING.equals(state); }
}
