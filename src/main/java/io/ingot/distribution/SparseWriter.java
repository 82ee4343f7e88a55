package io.ingot.distribution;

import io.ingot.util.ZeroRuns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;

/**
 * Writes a file in order, as it arrives, taking its sha256 on the way: blocks of zeros are not written (they stay
 * holes, so a sparse file arrives sparse), and {@link #zerosTo} passes over a hole the sender left out, hashing its
 * zeros. The file's length is the caller's to set at the end (a trailing hole is never written).
 */
final class SparseWriter {
    /** The file system's block: a zero block this large is left a hole. */
    static final int BLOCK = 4096;
    private static final byte[] ZEROS = new byte[1 << 20];

    private final FileChannel out;
    private final MessageDigest sha;
    private long position;

    SparseWriter(FileChannel out, MessageDigest sha, long position) {
        this.out = out;
        this.sha = sha;
        this.position = position;
    }

    long position() { return position; }

    /** Reads a part file's first {@code have} bytes into {@code sha} (positional reads: the channel stays open for the writes). */
    static void hashPrefix(FileChannel ch, long have, MessageDigest sha) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (long at = 0; at < have; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), have - at));
            int n = ch.read(buf, at);
            if (n < 0) throw new IOException("part file shorter than " + have);
            sha.update(buf.flip());
            at += n;
        }
    }

    /** The next {@code n} bytes of {@code buf}. */
    void write(byte[] buf, int n) throws IOException {
        sha.update(buf, 0, n);
        ZeroRuns.writeNonZero(out, ByteBuffer.wrap(buf, 0, n), position, BLOCK);
        position += n;
    }

    /** Zeros up to {@code end}: hashed, not written. */
    void zerosTo(long end) {
        for (long left = end - position; left > 0; ) {
            int n = (int) Math.min(ZEROS.length, left);
            sha.update(ZEROS, 0, n);
            left -= n;
        }
        position = Math.max(position, end);
    }
}
