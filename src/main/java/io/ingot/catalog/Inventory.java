package io.ingot.catalog;

import io.ingot.template.Manifest;

import java.util.List;
import java.util.Map;

/**
 * What the storages hold, for {@link Reindexer}: each version's manifest (-> the storages holding it), each
 * template's recorded channels and revoked versions, and the whole clones (from their vm.json).
 */
public record Inventory(Map<Manifest, List<String>> versions, Map<String, TemplateRecord> templates,
                        List<CloneRecord> clones) {
    public Inventory {
        versions = Map.copyOf(versions);
        templates = Map.copyOf(templates);
        clones = List.copyOf(clones);
    }
}
