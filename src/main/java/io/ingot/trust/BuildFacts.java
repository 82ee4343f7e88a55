package io.ingot.trust;

import java.time.Instant;
import java.util.List;

/**
 * What a build knows of itself beyond its manifest, for its provenance: who built it, from which recipe, when,
 * on which accelerator, and the inputs it read with their digests (provisioner files).
 *
 * @param builderId a URI naming the host or worker (see {@link Provenance#builderId})
 */
public record BuildFacts(String builderId, String recipe, Instant startedOn, Instant finishedOn, String accelerator,
                         List<Input> inputs) {
    public BuildFacts {
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }

    /** One input the build read: a name, where it came from (may be null) and its sha256. */
    public record Input(String name, String uri, String sha256) { }
}
