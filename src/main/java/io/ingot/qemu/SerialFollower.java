package io.ingot.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads the lines a VM's growing serial log gained since the last call (the installer's progress, a kernel's stall
 * reports): complete lines only, control characters but tabs removed, blank lines left out.
 */
public final class SerialFollower {
    /** Read at most this much per call (a guest printing all the time does not make a call slow). */
    private static final int MAX_READ = 1 << 20;
    /** A line without its end is kept up to this long (its tail), for the next call. */
    private static final int MAX_PARTIAL = 64 << 10;

    private final Path file;
    private long offset;
    private final StringBuilder partial = new StringBuilder();

    /** Follows {@code file} from its start (null: a VM without a serial log, which has no lines). */
    public SerialFollower(Path file) {
        this.file = file;
    }

    /** Leaves out what the log holds now: only what comes after counts (a guest rebooting, its earlier boots). */
    public SerialFollower skipToEnd() throws IOException {
        if (file != null && Files.exists(file)) offset = Files.size(file);
        partial.setLength(0);
        return this;
    }

    /** Hands each new complete line to {@code sink}. */
    public void newLines(Consumer<String> sink) throws IOException {
        if (file == null || !Files.exists(file)) return;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() < offset) { // the log was started again (QEMU truncates its serial file)
                offset = 0;
                partial.setLength(0);
            }
            if (f.length() <= offset) return;
            f.seek(offset);
            byte[] buf = new byte[(int) Math.min(f.length() - offset, MAX_READ)];
            f.readFully(buf);
            offset += buf.length;
            partial.append(new String(buf, StandardCharsets.ISO_8859_1));
        }
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl).replaceAll("[\\p{Cntrl}&&[^\t]]", "");
            partial.delete(0, nl + 1);
            if (!line.isBlank()) sink.accept(line);
        }
        if (partial.length() > MAX_PARTIAL) partial.delete(0, partial.length() - MAX_PARTIAL);
    }
}
