package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Templates built from templates: a version made {@code from} a parent records the parent version and every
 * ancestor (its manifest's {@code lineage}). This reads that record against the catalog: whether the parent's
 * channel has moved on since, which versions descend from one, and each template's parent template.
 */
public final class Lineage {
    private final Catalog catalog;

    public Lineage(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Whether {@code v} was built from a version its recipe's {@code from} no longer resolves to (the parent's
     * channel moved, or that version was revoked); a {@code from} that names an exact version never moves.
     */
    public boolean parentMoved(TemplateVersion v) {
        Manifest m = v.manifest();
        if (m.from() == null || m.parent() == null) return false;
        try {
            TemplateRef from = TemplateRef.parse(m.from());
            if (from.version() != null) return false;
            return !catalog.resolve(from).ref().equals(m.parent());
        } catch (UserError e) {
            return true; // the channel is gone or points at a revoked version
        }
    }

    /** Every version whose lineage holds {@code ref} (its children, their children, ...), in catalog order. */
    public List<TemplateVersion> descendants(String ref) {
        List<TemplateVersion> out = new ArrayList<>();
        for (TemplateVersion v : catalog.allVersions()) {
            if (v.manifest().lineage().stream().anyMatch(a -> ref.equals(a.ref()))) out.add(v);
        }
        return out;
    }

    /** Each template's parent template (that of its newest version), for those made from one. */
    public Map<String, String> parents() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : catalog.templateNames()) {
            List<TemplateVersion> versions = catalog.versions(name);
            Optional<String> parent = versions.isEmpty() ? Optional.empty()
                    : Optional.ofNullable(versions.get(versions.size() - 1).manifest().parent());
            parent.ifPresent(p -> out.put(name, TemplateRef.parse(p).name()));
        }
        return out;
    }
}
