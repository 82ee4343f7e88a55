package io.ingot.fleet;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Prefixes each line written through it (a worker's builds share one console). */
final class LinePrefix extends OutputStream {
    private final PrintStream out;
    private final byte[] prefix;
    private boolean lineStart = true;

    LinePrefix(PrintStream out, String prefix) {
        this.out = out;
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (lineStart) out.write(prefix);
        out.write(b);
        lineStart = b == '\n';
    }

    @Override
    public void flush() {
        out.flush();
    }
}
