package io.ingot.fleet;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.ingot.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * A worker saying it is there (every few seconds, on the {@value FleetNames#WORKERS} topic): its host, labels,
 * how many builds it runs at once, free disk, and the builds it runs now with their current stage.
 * {@code stopping}: its last heartbeat, sent when it stops.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Heartbeat(String worker, String host, List<String> labels, int concurrency, long freeDiskBytes,
                        List<Running> builds, Instant at, boolean stopping) {
    public Heartbeat {
        labels = labels == null ? List.of() : List.copyOf(labels);
        builds = builds == null ? List.of() : List.copyOf(builds);
    }

    /** A build a worker runs now. */
    public record Running(String id, String recipe, String stage, int attempt, Instant started) { }

    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Heartbeat fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, Heartbeat.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a heartbeat: " + e.getMessage(), e);
        }
    }
}
