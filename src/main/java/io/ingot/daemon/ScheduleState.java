package io.ingot.daemon;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.time.Instant;

/**
 * What the daemon remembers about one recipe's schedule: the input hash of its last successful build,
 * consecutive failures, whether it paused itself, and what its last run did.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ScheduleState(String recipe, String lastBuiltHash, int consecutiveFailures, boolean paused,
                            String pausedReason, Instant lastRun, String lastResult) {

    public static ScheduleState initial(String recipe) {
        return new ScheduleState(recipe, null, 0, false, null, null, null);
    }

    public ScheduleState ran(String result) {
        return new ScheduleState(recipe, lastBuiltHash, consecutiveFailures, paused, pausedReason, Instant.now(), result);
    }

    public ScheduleState succeeded(String inputHash, String result) {
        return new ScheduleState(recipe, inputHash, 0, paused, pausedReason, Instant.now(), result);
    }

    public ScheduleState failed(String result, int pauseAfter) {
        int failures = consecutiveFailures + 1;
        boolean pause = paused || failures >= pauseAfter;
        String reason = pause ? (paused ? pausedReason : "paused after " + failures + " consecutive failed builds; resume with: ingot schedule resume " + recipe) : null;
        return new ScheduleState(recipe, lastBuiltHash, failures, pause, reason, Instant.now(), result);
    }

    public ScheduleState resumed() {
        return new ScheduleState(recipe, lastBuiltHash, 0, false, null, lastRun, lastResult);
    }
}
