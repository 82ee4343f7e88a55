package io.ingot.fleet;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Sends a remote build's log lines to the daemon as they come ({@value FleetNames#LOGS}, at most one message a
 * second), so that its log can be followed there like a local build's; the log that travels with the build's
 * result replaces them when it ends.
 */
final class LogShipper extends OutputStream {
    static final long EVERY_NANOS = 1_000_000_000L;

    private final Consumer<String> send;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder pending = new StringBuilder();
    private long lastSent;

    /** @param send takes a batch of whole lines */
    LogShipper(Consumer<String> send) {
        this.send = send;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            pending.append(line.toString(StandardCharsets.UTF_8)).append('\n');
            line.reset();
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        if (pending.isEmpty() || System.nanoTime() - lastSent < EVERY_NANOS) return;
        ship();
    }

    @Override
    public synchronized void close() {
        if (!pending.isEmpty()) ship();
    }

    private void ship() {
        String text = pending.toString();
        pending.setLength(0);
        lastSent = System.nanoTime();
        try {
            send.accept(text);
        } catch (RuntimeException e) {
            // the daemon gets the whole log with the result; a lost batch only delays what it shows
        }
    }
}
