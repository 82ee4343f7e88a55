package io.ingot.catalog;

import io.ingot.storage.StorageBackend;
import io.ingot.storage.Storages;
import io.ingot.template.Manifest;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Removing template versions (by hand or by retention) and rebuilding the catalog from the storages. */
public final class TemplateVersions {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateVersions.class);

    private final Catalog catalog;
    private final Storages storages;
    private final int keep;
    private final Consumer<String> beforeFilesGo;

    public TemplateVersions(Catalog catalog, Storages storages, int keep) {
        this(catalog, storages, keep, ref -> { });
    }

    /** {@code beforeFilesGo} gets NAME:VERSION before a version's files are deleted (the warm pool lets go of them). */
    public TemplateVersions(Catalog catalog, Storages storages, int keep, Consumer<String> beforeFilesGo) {
        this.catalog = catalog;
        this.storages = storages;
        this.keep = keep;
        this.beforeFilesGo = beforeFilesGo;
    }

    /**
     * Removes a version: refused while linked/memory clones use it (naming them), and while a channel
     * points at it unless {@code force} (which drops the channel). The row goes first, then the files:
     * a crash in between leaves files that {@code catalog reindex} would bring back, never a row without files.
     */
    public void remove(String name, int version, boolean force) throws IOException {
        TemplateVersion v = catalog.deleteVersion(name, version, force);
        beforeFilesGo.accept(v.ref());
        for (String s : v.storages()) storages.get(s).deleteVersion(name, version);
    }

    /** Retention: keeps the newest {@code keep} versions; older ones go unless they have clones or a channel. Returns the removed refs. */
    public List<String> prune(String name) throws IOException {
        List<TemplateVersion> all = catalog.versions(name);
        if (all.size() <= keep) return List.of();
        Set<Integer> pinned = Set.copyOf(catalog.channels(name).values());
        Set<Integer> cloned = catalog.clones().stream().filter(c -> c.template().equals(name))
                .map(CloneRecord::version).collect(Collectors.toSet());
        List<String> removed = new ArrayList<>();
        for (TemplateVersion v : all.subList(0, all.size() - keep)) {
            if (pinned.contains(v.version()) || cloned.contains(v.version())) continue;
            try {
                remove(name, v.version(), false);
                removed.add(v.ref());
                LOG.info("retention removed {}", v.ref());
            } catch (UserError e) {
                LOG.info("retention keeps {}: {}", v.ref(), e.getMessage());
            }
        }
        return removed;
    }

    /** Rebuilds the versions table from the manifests on every storage; keeps channels whose versions still exist. */
    public Catalog.ReindexResult reindex() throws IOException {
        Map<String, Manifest> byRef = new LinkedHashMap<>();
        Map<Manifest, List<String>> found = new LinkedHashMap<>();
        for (StorageBackend b : storages.all()) {
            for (Manifest m : b.listVersions()) {
                Manifest known = byRef.putIfAbsent(m.ref(), m);
                found.computeIfAbsent(known == null ? m : known, k -> new ArrayList<>()).add(b.name());
            }
        }
        return catalog.reindex(found);
    }
}
