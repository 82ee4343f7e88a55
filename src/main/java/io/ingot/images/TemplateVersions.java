package io.ingot.images;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.Inventory;
import io.ingot.catalog.ReindexResult;
import io.ingot.catalog.TemplateVersion;
import io.ingot.storage.CloneMarker;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.Storages;
import io.ingot.template.Manifest;
import io.ingot.util.PausePoint;
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
     * Removes a version: refused while linked/memory clones use it, or clones of it are being made or were left
     * half-made (naming them), and while a channel points at it unless {@code force} (which drops the channel).
     * The row is marked {@code deleting} first (nothing resolves or clones it from then on), each storage renames
     * the version's folder aside before deleting its files, and the row goes last: a process killed at any point
     * leaves a removal the next recovery step finishes, never a version that comes back without its files.
     */
    public void remove(String name, int version, boolean force) throws IOException {
        TemplateVersion known = catalog.version(name, version)
                .orElseThrow(() -> new UserError("no template version " + name + ":" + version));
        if (known.deleting()) {
            finishRemoval(known); // a removal killed half-way: decided already, only finished here
            return;
        }
        List<String> making = clonesBeingMade(known);
        if (!making.isEmpty()) {
            throw new UserError(known.ref() + " has clones being made or left half-made by an interrupted 'ingot clone': "
                    + String.join(", ", making) + " (remove them first with: ingot rm CLONE)");
        }
        TemplateVersion v = catalog.markDeleting(name, version, force);
        PausePoint.at("version-rm:marked");
        finishRemoval(v);
    }

    /** The files of a version marked deleting, then its row; also what the recovery step does for a killed removal. */
    void finishRemoval(TemplateVersion v) throws IOException {
        beforeFilesGo.accept(v.ref());
        for (String s : v.storages()) storages.get(s).deleteVersion(v.name(), v.version());
        catalog.dropVersion(v.name(), v.version());
    }

    /** Clones of {@code v} that are still marked as being made on its storages (alive or interrupted). */
    private List<String> clonesBeingMade(TemplateVersion v) throws IOException {
        List<String> out = new ArrayList<>();
        for (String s : v.storages()) {
            for (CloneMarker.Found m : CloneMarker.scan(storages.config().entry(s).path().resolve("clones"))) {
                if (m.reads(v.ref())) out.add(m.cloneName() + (m.ownerAlive() ? " (being made by process " + m.pid() + ")" : " (interrupted)"));
            }
        }
        return out;
    }

    /** Retention: keeps the newest {@code keep} versions; older ones go unless they have clones or a channel. Returns the removed refs. */
    public List<String> prune(String name) throws IOException {
        List<TemplateVersion> all = catalog.versions(name).stream().filter(v -> !v.deleting()).toList();
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

    /**
     * Rebuilds the catalog from the storages: versions from their manifests, channels and revoked versions from
     * each template's {@code template.json}, clones from their {@code vm.json} (see {@link Catalog#reindex}).
     */
    public ReindexResult reindex() throws IOException {
        StorageRecords records = new StorageRecords(storages.config());
        return catalog.reindex(new Inventory(found(), records.templates(), records.clones()));
    }

    /** The versions on every storage (manifest -> storages holding it). */
    Map<Manifest, List<String>> found() throws IOException {
        Map<String, Manifest> byRef = new LinkedHashMap<>();
        Map<Manifest, List<String>> found = new LinkedHashMap<>();
        for (StorageBackend b : storages.all()) {
            for (Manifest m : b.listVersions()) {
                Manifest known = byRef.putIfAbsent(m.ref(), m);
                found.computeIfAbsent(known == null ? m : known, k -> new ArrayList<>()).add(b.name());
            }
        }
        return found;
    }
}
