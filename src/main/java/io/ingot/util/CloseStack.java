package io.ingot.util;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a start opened, closed in reverse: the same stack serves a start that fails half way (closes what it
 * had opened, then rethrows) and the stop of what started. A close that fails does not keep the ones below it
 * open: the first failure is thrown, later ones are added to it as suppressed.
 */
public final class CloseStack implements AutoCloseable {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    /** Pushes {@code resource} (closed before everything pushed earlier) and returns it. */
    public <T extends AutoCloseable> T push(T resource) {
        open.push(resource);
        return resource;
    }

    public boolean isEmpty() { return open.isEmpty(); }

    /** Closes what was pushed, adding its failures to {@code cause} (a failed start), and returns {@code cause}. */
    public <T extends Throwable> T closeAfter(T cause) {
        try {
            close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
        return cause;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
