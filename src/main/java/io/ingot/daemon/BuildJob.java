package io.ingot.daemon;

import java.time.Instant;

/**
 * One build the daemon was asked for: its id is the build id it will run under, source is
 * {@code schedule}, {@code api} or {@code cli}; state is queued, running, succeeded, failed or skipped.
 */
public record BuildJob(String id, String recipe, String source, Instant submitted, String state, String message) {
    public BuildJob with(String state, String message) {
        return new BuildJob(id, recipe, source, submitted, state, message);
    }

    public boolean fromSchedule() { return "schedule".equals(source); }
}
