package io.ingot.fleet;

import io.ingot.catalog.Catalog;
import io.ingot.pipeline.BuildHistory;
import io.ingot.qemu.QemuProcess;
import io.ingot.util.Trees;
import io.ingot.util.IngotPaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a worker that died mid-build left on its host, cleaned when it starts again: its QEMU processes (by their
 * run records, after checking each is still that QEMU), the builds it was running (a recipe bundle still unpacked
 * under {@code <state>/fleet/ID}): their catalog row is closed as failed and their disks removed, the logs kept.
 * The broker has given their requests to another worker already.
 */
public final class WorkerRecovery {
    private final IngotPaths paths;

    public WorkerRecovery(IngotPaths paths) {
        this.paths = paths;
    }

    public List<String> run() throws IOException {
        List<String> done = new ArrayList<>(QemuProcess.reapStale(paths.state().resolve("run")));
        Path fleet = paths.state().resolve("fleet");
        if (!Files.isDirectory(fleet)) return done;
        Catalog catalog = Catalog.open(paths.images().resolve(Catalog.FILE_NAME));
        List<Path> left;
        try (Stream<Path> dirs = Files.list(fleet)) {
            left = dirs.filter(Files::isDirectory).toList();
        }
        for (Path bundle : left) {
            String id = bundle.getFileName().toString();
            catalog.builds().stream().filter(b -> b.id().equals(id) && "running".equals(b.status())).findFirst().ifPresent(b -> {
                new BuildHistory(paths, catalog).finished(id, b.recipe(), "failed", "interrupted: the worker running it stopped", Instant.now());
                removeDisks(paths.builds().resolve(b.recipe()).resolve(id));
            });
            Trees.delete(bundle);
            done.add("build " + id + " was interrupted when this worker stopped: closed it, removed its disks, kept its logs");
        }
        return done;
    }

    /** Everything of a build directory but its logs, timings and rendered answer files. */
    private static void removeDisks(Path dir) {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                boolean keep = name.endsWith(".log") || name.equals("timings.json") || dir.relativize(p).startsWith("http");
                if (!keep) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a later build of the same id never comes; what stays is only disk space
        }
    }
}
