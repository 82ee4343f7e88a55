package io.ingot.images;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.ReindexResult;
import io.ingot.catalog.TemplateVersion;
import io.ingot.storage.CloneMarker;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.Storages;
import io.ingot.storage.TemplateFiles;
import io.ingot.storage.Volume;
import io.ingot.template.Manifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The storages' and the catalog's part of the recovery step: what killed publishes, removals and clones left,
 * and where the catalog and the files disagree. Each step is safe to run while other ingot processes work:
 * it touches only what a dead process left, or what any process may finish (a removal already decided).
 */
public final class StoreRecovery {
    private final Catalog catalog;
    private final Storages storages;
    private final TemplateVersions versions;

    public StoreRecovery(Catalog catalog, Storages storages, TemplateVersions versions) {
        this.catalog = catalog;
        this.storages = storages;
        this.versions = versions;
    }

    /** Runs every step; {@code report} gets one line per thing done or found. */
    public void run(Consumer<String> report) {
        for (StorageBackend b : storages.all()) {
            try {
                int n = b.cleanLeftovers();
                if (n > 0) report.accept("storage '" + b.name() + "': removed " + n + " leftover(s) of interrupted publishes and removals");
            } catch (IOException | RuntimeException e) {
                report.accept("storage '" + b.name() + "': cannot clean leftovers: " + e.getMessage());
            }
        }
        finishRemovals(report);
        interruptedClones(report);
        adoptVersions(report);
        checkVersions(report);
    }

    /** Versions whose removal was decided (row marked deleting) but whose process died: their files go, then the row. */
    void finishRemovals(Consumer<String> report) {
        for (TemplateVersion v : catalog.versionsIn(TemplateVersion.DELETING)) {
            try {
                versions.finishRemoval(v);
                report.accept("finished the interrupted removal of " + v.ref());
            } catch (IOException | RuntimeException e) {
                report.accept("cannot finish the removal of " + v.ref() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Clone directories still marked as being made by a process that is gone: recorded in the catalog (the process
     * died just before removing the mark), they are whole and keep their files; else they are removed.
     */
    void interruptedClones(Consumer<String> report) {
        for (StorageBackend b : storages.all()) {
            try {
                for (CloneMarker.Found m : CloneMarker.scan(storages.config().entry(b.name()).path().resolve("clones"))) {
                    if (m.ownerAlive()) continue;
                    Optional<CloneRecord> row = catalog.clone(m.cloneName());
                    if (row.isPresent() && row.get().storage().equals(b.name())) {
                        Files.deleteIfExists(m.file());
                        report.accept("clone " + m.cloneName() + " was recorded when its 'ingot clone' died: kept");
                    } else {
                        b.deleteClone(m.cloneName());
                        report.accept("removed " + m.cloneName() + ", a clone an interrupted 'ingot clone' left half-made on storage '" + b.name() + "'");
                    }
                }
            } catch (IOException | RuntimeException e) {
                report.accept("storage '" + b.name() + "': cannot check for interrupted clones: " + e.getMessage());
            }
        }
    }

    /**
     * Versions whose files are complete on a storage but that the catalog lacks: their publish was killed between
     * the rename and the catalog row. They are adopted (channels stay where they were: that publish never finished).
     */
    void adoptVersions(Consumer<String> report) {
        Map<Manifest, List<String>> found;
        try {
            found = versions.found();
        } catch (IOException | RuntimeException e) {
            report.accept("cannot list the versions on the storages: " + e.getMessage());
            return;
        }
        if (catalog.templateNames().isEmpty() && !found.isEmpty()) {
            // a catalog that knows no version while the storages hold some was lost (deleted, set aside): rebuilt
            // whole, channels, revocations and clones included, before anything writes over their records
            try {
                ReindexResult r = versions.reindex();
                report.accept("the catalog knew no template version: rebuilt it from the storages (" + r.versions() + " versions, "
                        + r.restoredChannels().size() + " channels, " + r.restoredClones().size() + " clones)");
            } catch (IOException | RuntimeException ex) {
                report.accept("cannot rebuild the catalog from the storages: " + ex.getMessage());
            }
            return;
        }
        for (Map.Entry<Manifest, List<String>> e : found.entrySet()) {
            Manifest m = e.getKey();
            if (catalog.version(m.name(), m.version()).isPresent()) continue;
            List<String> whole = new ArrayList<>();
            for (String s : e.getValue()) if (problem(storages.get(s), m).isEmpty()) whole.add(s);
            if (whole.isEmpty()) continue;
            TemplateVersion v = new TemplateVersion(m.name(), m.version(), m.buildId(), whole, m,
                    m.createdAt() == null ? Instant.now() : m.createdAt(), false);
            if (catalog.adoptVersion(v)) {
                report.accept("adopted " + v.ref() + " (its publish was interrupted after its files were in place)");
            }
        }
    }

    /** Marks versions whose files are missing or incomplete on a storage as broken, and mended ones as ready. */
    public void checkVersions(Consumer<String> report) {
        for (TemplateVersion v : catalog.allVersions()) {
            if (v.deleting()) continue;
            List<String> problems = new ArrayList<>();
            for (String s : v.storages()) {
                try {
                    problem(storages.get(s), v.manifest()).ifPresent(problems::add);
                } catch (RuntimeException e) {
                    problems.add("storage '" + s + "' cannot be checked: " + e.getMessage());
                }
            }
            String problem = problems.isEmpty() ? null : String.join("; ", problems);
            if (problem != null && !problem.equals(v.problem())) {
                catalog.markProblem(v.name(), v.version(), problem);
                report.accept(v.ref() + " is broken: " + problem);
            } else if (problem == null && v.broken()) {
                catalog.markProblem(v.name(), v.version(), null);
                report.accept(v.ref() + " is whole again");
            }
        }
    }

    /**
     * What is wrong with a version's files on one storage, if anything: no base image or manifest, a RAM template
     * file missing, or its memory or device state of another size than the manifest says (those two are copied
     * byte for byte everywhere; a base image or capture disk may have been converted on its way to a storage).
     */
    static Optional<String> problem(StorageBackend b, Manifest m) {
        Optional<TemplateFiles> files = b.locate(m.name(), m.version());
        if (files.isEmpty()) return Optional.of("its base image or manifest is missing on storage '" + b.name() + "'");
        TemplateFiles f = files.get();
        List<String> wrong = new ArrayList<>();
        if (f.baseImage().isFile() && !Files.isRegularFile(f.baseImage().path())) wrong.add("base image missing");
        Manifest.Ram ram = m.ram();
        if (ram != null) {
            if (ram.memoryFile() != null) wrong.addAll(sizeProblem(f.dir().resolve(ram.memoryFile().file()), ram.memoryFile().size(), ram.memoryFile().file()));
            if (ram.stateFile() != null) wrong.addAll(sizeProblem(f.dir().resolve(ram.stateFile().file()), ram.stateFile().size(), ram.stateFile().file()));
            Volume capture = b.captureDisk(f, ram);
            if (capture.isFile() && !Files.isRegularFile(capture.path())) wrong.add(ram.captureOverlay().file() + " missing");
        }
        return wrong.isEmpty() ? Optional.empty() : Optional.of("RAM template or base image incomplete on storage '" + b.name() + "': " + String.join(", ", wrong));
    }

    private static List<String> sizeProblem(Path p, Long expected, String what) {
        try {
            if (!Files.isRegularFile(p)) return List.of(what + " missing");
            long size = Files.size(p);
            if (expected != null && size != expected) return List.of(what + " has " + size + " bytes, not " + expected);
            return List.of();
        } catch (IOException e) {
            return List.of(what + " unreadable: " + e.getMessage());
        }
    }
}
