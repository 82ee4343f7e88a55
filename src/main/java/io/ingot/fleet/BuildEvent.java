package io.ingot.fleet;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.ingot.pipeline.Timings;
import io.ingot.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * What a worker tells the daemon about a build (a message on {@value FleetNames#RESULTS}): it {@code started}
 * (attempt N, on this worker), an attempt {@code failed} (the request goes back to the queue, or, after its last
 * attempt, to the dead letters), or it {@code succeeded}: the template is {@code ref}, published in place or pushed
 * to {@code s3}. {@code log} is the build log (the end of it, for long ones) when the worker is on another host.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BuildEvent(String id, String recipe, String kind, String worker, int attempt, Instant at, Instant started,
                         String message, String ref, String s3, List<Timings.Entry> stages, String log) {
    public static final String STARTED = "started";
    public static final String FAILED = "failed";
    public static final String SUCCEEDED = "succeeded";

    public BuildEvent {
        stages = stages == null ? List.of() : List.copyOf(stages);
    }

    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BuildEvent fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, BuildEvent.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a build event: " + e.getMessage(), e);
        }
    }
}
