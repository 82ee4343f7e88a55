package io.ingot.pipeline;

import io.ingot.catalog.Catalog;
import io.ingot.util.IngotPaths;

import java.time.Instant;

/** The build history: each build's row in the catalog. */
public final class BuildHistory {
    private final IngotPaths paths;
    private final Catalog catalog;

    public BuildHistory(IngotPaths paths, Catalog catalog) {
        this.paths = paths;
        this.catalog = catalog;
    }

    /** Records a build as running (again, for a build run again under its id). */
    public void started(String id, String recipe, Instant started) {
        catalog.buildStarted(id, recipe, started);
    }

    /** Closes a build's record with its status ({@code succeeded}, {@code failed}) and message. */
    public void finished(String id, String recipe, String status, String message, Instant finished) {
        catalog.buildFinished(id, status, message, finished);
    }
}
