package io.ingot.daemon;

import java.time.Instant;

/**
 * One build the daemon was asked for: its id is the build id it runs under wherever it runs, source is
 * {@code schedule}, {@code api} or {@code cli}; state is queued, running, succeeded, failed or skipped.
 * Once sent to the broker ({@code sent}) it carries the template {@code version} reserved for it, the
 * {@code storage} and {@code channel} it is registered with, and {@code inputHash}, what it is built from;
 * {@code worker} and {@code attempts} say where it runs or ran, {@code lastError} why an attempt failed.
 */
public record BuildJob(String id, String recipe, String source, Instant submitted, String state, String message,
                       boolean sent, Integer version, String storage, String channel, String inputHash,
                       String worker, int attempts, String lastError, Instant started) {

    /** A build just asked for. */
    public BuildJob(String id, String recipe, String source, Instant submitted, String state, String message) {
        this(id, recipe, source, submitted, state, message, false, null, null, null, null, null, 0, null, null);
    }

    public BuildJob with(String state, String message) {
        return new BuildJob(id, recipe, source, submitted, state, message, sent, version, storage, channel, inputHash,
                worker, attempts, lastError, started);
    }

    /** Sent to the broker as a request for {@code version}, registered on {@code storage} with {@code channel}. */
    public BuildJob sent(int version, String storage, String channel, String inputHash) {
        return new BuildJob(id, recipe, source, submitted, state, message, true, version, storage, channel, inputHash,
                worker, attempts, lastError, started);
    }

    /** Attempt {@code attempt} started on {@code worker}. */
    public BuildJob running(String worker, int attempt, Instant started) {
        return new BuildJob(id, recipe, source, submitted, "running", null, sent, version, storage, channel, inputHash,
                worker, attempt, lastError, started);
    }

    /** Attempt {@code attempt} failed: the request is queued again (or goes to the dead letters). */
    public BuildJob attemptFailed(int attempt, String error) {
        return new BuildJob(id, recipe, source, submitted, "queued", "attempt " + attempt + " failed; queued again",
                sent, version, storage, channel, inputHash, worker, attempt, error, started);
    }

    public boolean fromSchedule() { return "schedule".equals(source); }

    public boolean pending() { return "queued".equals(state) || "running".equals(state); }

    /** NAME:VERSION of the template this build makes, once a version is reserved. */
    public String ref() { return version == null ? null : recipe + ":" + version; }
}
