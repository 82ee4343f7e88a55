package io.ingot.catalog;

import io.ingot.template.Manifest;

import java.time.Instant;
import java.util.List;

/** A published template version as the catalog knows it; {@code storages} hold identical copies. */
public record TemplateVersion(String name, int version, String buildId, List<String> storages, Manifest manifest,
                              Instant created, boolean revoked) {
    public TemplateVersion { storages = List.copyOf(storages); }
    public String ref() { return name + ":" + version; }
    public String primaryStorage() { return storages.get(0); }
}
