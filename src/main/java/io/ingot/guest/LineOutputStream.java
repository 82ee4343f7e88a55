package io.ingot.guest;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into UTF-8 lines for the build log: a line ends at {@code \n} (a trailing
 * {@code \r} is dropped), and an endless line (progress bars) is passed on in chunks so memory
 * stays bounded. {@link #close()} passes on an unfinished last line.
 */
final class LineOutputStream extends OutputStream {
    static final int MAX_LINE = 16 * 1024;

    private final Consumer<String> lines;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();

    LineOutputStream(Consumer<String> lines) {
        this.lines = lines;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else {
            current.write(b);
            if (current.size() >= MAX_LINE) emit();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    @Override
    public synchronized void close() {
        if (current.size() > 0) emit();
    }

    private void emit() {
        byte[] bytes = current.toByteArray();
        current.reset();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') len--;
        lines.accept(new String(bytes, 0, len, StandardCharsets.UTF_8));
    }
}
