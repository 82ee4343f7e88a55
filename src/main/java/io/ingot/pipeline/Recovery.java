package io.ingot.pipeline;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.Database;
import io.ingot.catalog.ReindexResult;
import io.ingot.images.ImageStore;
import io.ingot.qemu.RunRegistry;
import io.ingot.util.IngotPaths;
import io.ingot.vm.WarmPool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The recovery step: puts right what ingot processes killed at any point left behind, in this order: QEMU
 * processes whose owner is gone (run registry), interrupted publishes, removals and clones on the storages,
 * versions the catalog lacks or whose files are broken, interrupted builds (rows, disks, runtime directories),
 * and the warm pool's dead or orphaned processes. It runs where time is not counted in milliseconds:
 * at {@code ingot build} start, {@code ingot serve} start, and in {@code ingot catalog reindex} and
 * {@code ingot doctor --repair}; never on read commands. One process at a time ({@code <state>/recovery.lock}).
 */
public final class Recovery {
    private final IngotPaths paths;

    public Recovery(IngotPaths paths) { this.paths = paths; }

    /**
     * Runs the step on {@code store}; a QEMU left running by {@code --on-error abort} is stopped only with
     * {@code stopLeftVms} (doctor --repair). Returns one line per thing done or found.
     */
    public List<String> run(ImageStore store, boolean stopLeftVms) {
        List<String> report = new ArrayList<>();
        locked(() -> steps(store, stopLeftVms, report::add));
        return report;
    }

    /**
     * {@code ingot catalog reindex}: a damaged catalog file is set aside (renamed, never deleted) and rebuilt;
     * the builds it lacks come back from their folders, the recovery step runs, then the catalog is rebuilt from
     * the storages (versions, channels, revocations, clones) and every version's files are checked again.
     */
    public Reindexed reindex() throws IOException {
        List<String> report = new ArrayList<>();
        Path file = paths.images().resolve(Catalog.FILE_NAME);
        Path[] aside = new Path[1];
        ReindexResult[] result = new ReindexResult[1];
        locked(() -> {
            try {
                if (!Database.intact(file)) {
                    aside[0] = Database.setAside(file);
                    report.add("the catalog was damaged: set aside as " + aside[0].getFileName() + "; rebuilding it from the storages");
                }
                ImageStore store = ImageStore.open(paths);
                // before the steps, which close the restored builds whose process is gone
                int builds = new BuildHistory(paths, store.catalog()).restore();
                if (builds > 0) report.add("restored " + builds + " builds from their folders");
                steps(store, false, report::add);
                result[0] = store.versions().reindex();
                store.recovery().checkVersions(report::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return new Reindexed(result[0], aside[0], report);
    }

    /** What reindex did; {@code setAside}: where the damaged catalog went (null when it was sound). */
    public record Reindexed(ReindexResult result, Path setAside, List<String> report) { }

    private void steps(ImageStore store, boolean stopLeftVms, Consumer<String> report) {
        new RunRegistry(paths.state().resolve("run")).reap(stopLeftVms).forEach(report);
        // the storages first: a build killed after its publish is closed as succeeded once its version is adopted
        store.recovery().run(report);
        if (store.catalog().builds().isEmpty()) {
            // a catalog lost (deleted, set aside) and made anew lost its history too: the build folders keep it
            try {
                int n = new BuildHistory(paths, store.catalog()).restore();
                if (n > 0) report.accept("the catalog knew no build: restored " + n + " builds from their folders");
            } catch (IOException | RuntimeException e) {
                report.accept("cannot restore the builds from their folders: " + e.getMessage());
            }
        }
        new InterruptedBuilds(paths, store.catalog()).run(report);
        WarmPool.of(paths).list(); // clears slots whose process is gone
    }

    /** One recovery at a time: among processes by the lock file, among this JVM's threads (concurrent builds) by the class. */
    private void locked(Runnable work) {
        synchronized (Recovery.class) {
            try {
                Files.createDirectories(paths.state());
                try (FileChannel ch = FileChannel.open(paths.state().resolve("recovery.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock lock = ch.lock()) {
                    work.run();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + paths.state().resolve("recovery.lock") + ": " + e.getMessage(), e);
            }
        }
    }
}
