package io.ingot.pipeline;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What one stage holds for the rest of the build (port leases, the answer server): the stage adds what it opens
 * and its cleanup closes it, newest first. Kept in the build, not the stage: one stage object serves concurrent builds.
 */
public final class Held {
    private final Deque<AutoCloseable> items = new ArrayDeque<>();

    /** Takes {@code resource} into the stage's keeping and returns it. */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        items.push(resource);
        return resource;
    }

    public synchronized boolean isEmpty() { return items.isEmpty(); }

    /** Closes everything, newest first; the first failure is thrown after all were tried. */
    public synchronized void close() throws Exception {
        Exception first = null;
        while (!items.isEmpty()) {
            try {
                items.pop().close();
            } catch (Exception e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
