package io.ingot.fleet;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.ingot.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;

/** A batch of a remote build's log lines (a message on {@value FleetNames#LOGS}). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LogLines(String id, String recipe, String text) {
    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static LogLines fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, LogLines.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not log lines: " + e.getMessage(), e);
        }
    }
}
