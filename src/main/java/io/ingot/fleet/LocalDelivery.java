package io.ingot.fleet;

import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildOptions;

import java.util.Objects;
import java.util.Optional;

/** The daemon's own worker: the build publishes into the daemon's storage and catalog under the reserved number. */
public final class LocalDelivery implements Delivery {
    private final ImageStore store;

    public LocalDelivery(ImageStore store) {
        this.store = store;
    }

    @Override
    public Optional<String> delivered(BuildRequest r) {
        return publishedHere(r) ? Optional.of(r.ref()) : Optional.empty();
    }

    @Override
    public boolean publishedHere(BuildRequest r) {
        return store.catalog().version(r.recipe(), r.version()).filter(v -> Objects.equals(v.buildId(), r.id())).isPresent();
    }

    @Override
    public void parent(BuildRequest.Parent parent) {
        // the daemon's catalog has it
    }

    @Override
    public BuildOptions.PublishAs publishAs(BuildRequest r) {
        return new BuildOptions.PublishAs(r.version(), r.storages(), r.channel());
    }

    @Override
    public String deliver(BuildRequest r) {
        return null;
    }

    @Override
    public boolean local() {
        return true;
    }
}
