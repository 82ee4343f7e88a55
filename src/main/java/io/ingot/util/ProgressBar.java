package io.ingot.util;

import java.io.PrintStream;

/**
 * Progress of one transfer or conversion of known size: on a terminal a bar redrawn in place (at most ten times a
 * second), anywhere else a plain line at every tenth, so logs stay readable. Sizes in bytes; a conversion reports
 * per ten-thousand ({@link #percent}).
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    /** Opens a bar for one transfer; {@link #NONE} shows nothing (daemons, tests, the build log's own lines). */
    @FunctionalInterface
    public interface Factory {
        Factory NONE = (label, total) -> null;

        /** A bar for {@code label} over {@code total} bytes; null for none. */
        ProgressBar open(String label, long total);

        /** A bar for a qemu-img conversion: in hundredths of a percent. */
        default ProgressBar openPercent(String label) {
            ProgressBar b = open(label, 10_000);
            if (b != null) b.percent = true;
            return b;
        }

        /** Bars on standard error: drawn in place when this process has a terminal, plain lines when not. */
        static Factory console() {
            boolean terminal = System.console() != null;
            return (label, total) -> new ProgressBar(label, total, System.err, terminal);
        }
    }

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private boolean percent;
    private long done;
    private long lastDraw;
    private int lastTenth = -1;
    private boolean closed;

    public ProgressBar(String label, long total, PrintStream out, boolean terminal) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.terminal = terminal;
    }

    /** Sets how much is done (bytes, or hundredths of a percent). */
    public synchronized void update(long done) {
        if (closed) return;
        this.done = Math.max(0, done);
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDraw < REDRAW_NANOS && this.done < total) return;
            lastDraw = now;
            out.print("\r" + line(now) + "\u001b[K");
            out.flush();
        } else if (total > 0) {
            int tenth = (int) Math.min(10, this.done * 10 / total);
            if (tenth != lastTenth && tenth < 10) {
                lastTenth = tenth;
                out.println(line(now));
            }
        }
    }

    /** Ends the bar with its final line. */
    @Override
    public synchronized void close() {
        if (closed) return;
        long now = System.nanoTime();
        closed = true;
        out.println((terminal ? "\r" : "") + line(now) + (terminal ? "\u001b[K" : ""));
        out.flush();
    }

    /** {@code label [#####-----]  42%  420/1000 MiB  12.3 MiB/s}. */
    String line(long now) {
        StringBuilder sb = new StringBuilder(label);
        int pct = total > 0 ? (int) Math.min(100, done * 100 / total) : -1;
        if (pct >= 0) {
            int filled = pct * WIDTH / 100;
            sb.append(" [").append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append("] ")
                    .append(String.format("%3d%%", pct));
        }
        if (!percent) {
            sb.append(String.format("  %d%s MiB", done >> 20, total > 0 ? "/" + (total >> 20) : ""));
            double secs = (now - started) / 1e9;
            if (secs > 0.5) sb.append(String.format("  %.1f MiB/s", done / secs / (1 << 20)));
        }
        return sb.toString();
    }
}
