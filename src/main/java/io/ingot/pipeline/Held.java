package io.ingot.pipeline;

import io.ingot.util.CloseStack;

/**
 * What one stage holds for the rest of the build (port leases, the answer server): the stage adds what it opens
 * and its cleanup closes it, newest first. Kept in the build, not the stage: one stage object serves concurrent builds.
 */
public final class Held {
    private final CloseStack items = new CloseStack();

    /** Takes {@code resource} into the stage's keeping and returns it. */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        return items.push(resource);
    }

    public synchronized boolean isEmpty() { return items.isEmpty(); }

    /** Closes everything, newest first; the first failure is thrown after all were tried. */
    public synchronized void close() throws Exception {
        items.close();
    }
}
