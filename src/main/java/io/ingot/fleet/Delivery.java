package io.ingot.fleet;

import io.ingot.pipeline.BuildOptions;

import java.io.IOException;
import java.util.Optional;

/**
 * How a worker gets a template to the daemon: {@link LocalDelivery} (the daemon's own worker publishes straight
 * into the daemon's catalog) or {@link S3Delivery} (a worker on another host publishes into its own storage, pushes
 * the version to the fleet's bucket, and the daemon registers it). Every step is keyed by the build id, so a
 * request delivered again never makes a second version.
 */
public interface Delivery {
    /** Where the template already is when an earlier attempt delivered it (a request handed back after that), else empty. */
    Optional<String> delivered(BuildRequest request) throws IOException;

    /** Whether an earlier attempt on this worker already published the version here (only the delivery is left). */
    boolean publishedHere(BuildRequest request);

    /** Makes the parent version of a derived build available to the build on this worker. */
    void parent(BuildRequest.Parent parent) throws IOException;

    /** Where the build's publish stage puts the version, and the channel it moves. */
    BuildOptions.PublishAs publishAs(BuildRequest request);

    /** Gets the published version to the daemon; returns where the daemon finds it (null: in its own catalog). */
    String deliver(BuildRequest request) throws IOException;

    /** Whether builds run on the daemon's own host (their logs are there already). */
    boolean local();
}
