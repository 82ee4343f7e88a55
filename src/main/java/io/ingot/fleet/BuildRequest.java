package io.ingot.fleet;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.ingot.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * One build the daemon asks the fleet for (the body of a message on {@value FleetNames#BUILDS}). The build id is
 * the key of everything that follows: the version number reserved for it, the objects it is pushed as, the
 * result; a request delivered twice never makes a second version.
 *
 * @param version     the version number the daemon reserved for the template
 * @param storages    the daemon's storages the template goes to (one built on another host: the first);
 *                    {@code channel} the channel it moves (or null)
 * @param requires    labels the worker must have ({@code build.requires})
 * @param deliver     how the template reaches the daemon: {@code local} (published in place by the daemon's own
 *                    worker) or {@code s3:BUCKET/PREFIX} (pushed there, registered by the daemon)
 * @param inputHash   what the build is made from, for {@code when: changed}
 * @param parent      for a recipe made {@code from} a template: the version it resolved to when queued
 * @param bundle      the recipe and the files it names, as a zip (base64)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BuildRequest(String id, String recipe, String source, Instant submitted, int version, List<String> storages,
                           String channel, List<String> requires, String deliver, int maxAttempts, String inputHash,
                           Parent parent, String recipeFile, String bundle) {
    public BuildRequest {
        requires = requires == null ? List.of() : List.copyOf(requires);
        storages = storages == null || storages.isEmpty() ? List.of("local") : List.copyOf(storages);
    }

    /** The storage a version built on another host is registered on (the first of the recipe's). */
    public String storage() { return storages.get(0); }

    /** The parent a derived build starts from: {@code from} as written, the version, its base image's sha256, and where it is in S3. */
    public record Parent(String from, String ref, String sha256, String s3) { }

    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BuildRequest fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, BuildRequest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a build request: " + e.getMessage(), e);
        }
    }

    /** NAME:VERSION of the template this build makes. */
    public String ref() { return recipe + ":" + version; }
}
