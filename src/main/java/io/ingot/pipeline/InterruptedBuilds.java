package io.ingot.pipeline;

import io.ingot.catalog.BuildRecord;
import io.ingot.catalog.Catalog;
import io.ingot.catalog.TemplateVersion;
import io.ingot.util.IngotPaths;
import io.ingot.util.Trees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds whose ingot process died: their row leaves {@code running} (it becomes {@code failed}, saying so, or
 * {@code succeeded} when the catalog holds the version it published), and
 * their build directory loses what only the dead build needed (the VM disk, the base image, the RAM template and
 * verify files: often hundreds of MB) and its runtime directory, keeping the logs, the rendered answer files and
 * the timings.
 */
public final class InterruptedBuilds {
    private final IngotPaths paths;
    private final Catalog catalog;
    private final BuildHistory history;

    public InterruptedBuilds(IngotPaths paths, Catalog catalog) {
        this.paths = paths;
        this.catalog = catalog;
        this.history = new BuildHistory(paths, catalog);
    }

    public void run(Consumer<String> report) {
        Path builds = paths.builds();
        Map<String, Long> owners = new HashMap<>();
        if (Files.isDirectory(builds)) {
            try (Stream<Path> recipes = Files.list(builds)) {
                for (Path recipe : recipes.filter(Files::isDirectory).toList()) {
                    try (Stream<Path> dirs = Files.list(recipe)) {
                        for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                            Optional<BuildOwner> owner = BuildOwner.read(dir);
                            if (owner.isEmpty() || owner.get().alive()) continue;
                            clean(dir, owner.get());
                            owners.put(dir.getFileName().toString(), owner.get().pid());
                            report.accept("build " + dir.getFileName() + " of " + recipe.getFileName()
                                    + " was interrupted: removed its disks and runtime files, kept its logs");
                        }
                    }
                }
            } catch (IOException e) {
                report.accept("cannot look through " + builds + ": " + e.getMessage());
            }
        }
        // rows still 'running' whose build directory has no live owner (also those of an ingot that wrote none)
        Map<String, TemplateVersion> published = new HashMap<>();
        for (TemplateVersion v : catalog.allVersions()) if (v.buildId() != null) published.put(v.buildId(), v);
        for (BuildRecord b : catalog.builds()) {
            if (!"running".equals(b.status())) continue;
            Optional<BuildOwner> owner = BuildOwner.read(builds.resolve(b.recipe()).resolve(b.id()));
            if (owner.isPresent() && owner.get().alive()) continue;
            TemplateVersion v = published.get(b.id());
            if (v != null) {
                // killed after its publish (the version's row written, or adopted by the recovery step): it did its job
                history.finished(b.id(), b.recipe(), "succeeded", "published " + v.ref()
                        + " (its ingot process died before the build ended)", Instant.now());
                report.accept("build " + b.id() + " of " + b.recipe() + " published " + v.ref() + " before its ingot process died: succeeded");
                continue;
            }
            Long pid = owner.map(BuildOwner::pid).orElse(owners.get(b.id()));
            history.finished(b.id(), b.recipe(), "failed", "interrupted: the ingot process that ran it"
                    + (pid != null && pid > 0 ? " (pid " + pid + ")" : "") + " is gone", Instant.now());
            report.accept("build " + b.id() + " of " + b.recipe() + " marked failed: its ingot process is gone");
        }
    }

    /** Everything but logs, timings and the rendered answer files; then the runtime directory and the mark. */
    static void clean(Path dir, BuildOwner owner) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (p.equals(dir) || keep(dir.relativize(p))) continue;
                if (Files.isDirectory(p)) {
                    try (Stream<Path> rest = Files.list(p)) {
                        if (rest.findAny().isEmpty()) Files.deleteIfExists(p);
                    }
                } else {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (owner.runtimeDir() != null) {
            Path runtime = Path.of(owner.runtimeDir());
            // only ever a directory ingot made for itself (under /dev/shm or the temporary directory)
            if (runtime.getFileName().toString().startsWith("ingot-") && Files.isDirectory(runtime)) Trees.delete(runtime);
        }
        BuildOwner.remove(dir);
    }

    private static boolean keep(Path relative) {
        String first = relative.getName(0).toString();
        String last = relative.getFileName().toString();
        return first.equals("http") || last.endsWith(".log") || last.equals("timings.json") || last.equals(BuildOwner.FILE_NAME);
    }
}
