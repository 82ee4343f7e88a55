package io.ingot.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Writes data with its all-zero blocks left out, so they stay holes: sparse copies and sparse downloads. */
public final class ZeroRuns {
    /** The largest block a caller may ask for. */
    public static final int MAX_BLOCK = 64 << 10;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(MAX_BLOCK).asReadOnlyBuffer();

    private ZeroRuns() { }

    /**
     * Writes {@code buf}'s bytes from 0 to its limit at {@code pos} of {@code out}, skipping every {@code block}-sized
     * block that is all zeros; each run of other blocks goes in one write.
     */
    public static void writeNonZero(FileChannel out, ByteBuffer buf, long pos, int block) throws IOException {
        if (block < 1 || block > MAX_BLOCK) throw new IllegalArgumentException("block of " + block + " bytes");
        int n = buf.limit();
        int runStart = -1;
        for (int off = 0; off < n; off += block) {
            int len = Math.min(block, n - off);
            boolean zero = buf.slice(off, len).mismatch(ZEROS.slice(0, len)) == -1;
            if (!zero && runStart < 0) runStart = off;
            if (zero && runStart >= 0) {
                write(out, buf.slice(runStart, off - runStart), pos + runStart);
                runStart = -1;
            }
        }
        if (runStart >= 0) write(out, buf.slice(runStart, n - runStart), pos + runStart);
    }

    private static void write(FileChannel out, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) position += out.write(b, position);
    }
}
