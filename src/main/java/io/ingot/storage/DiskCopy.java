package io.ingot.storage;

import io.ingot.util.ZeroRuns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A full clone in the base image's own format is a byte copy of it, when the image stands alone (raw, or qcow2
 * with no backing file and no external data file). That runs at the speed of the disk, where {@code qemu-img
 * convert} re-maps every cluster. Copied as {@code cp --sparse=always} does: through a buffer small enough to
 * stay in the CPU's cache (as fast here as the kernel's own sendfile), all-zero blocks left as holes.
 */
public final class DiskCopy {
    private static final int BUFFER = 128 << 10;
    /** Zero runs at least this long become holes (the filesystem's block granularity is smaller). */
    private static final int BLOCK = 64 << 10;

    private DiskCopy() { }

    /** Whether a byte copy of {@code image} is a complete, independent disk in {@code format}. */
    public static boolean standsAlone(Path image, String format) throws IOException {
        if ("raw".equals(format)) return true;
        if (!"qcow2".equals(format)) return false;
        ByteBuffer h = ByteBuffer.allocate(104);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            while (h.hasRemaining() && ch.read(h) >= 0) { }
        }
        if (h.hasRemaining() || h.getInt(0) != 0x514649fb) return false;
        long backingOffset = h.getLong(8);
        long incompatible = h.getInt(4) >= 3 ? h.getLong(72) : 0;
        return backingOffset == 0 && (incompatible & ~0x8L) == 0; // only the compression-type bit is fine
    }

    /** Copies {@code source} into the new file {@code target}; removes {@code target} if it fails. */
    public static void copy(Path source, Path target) throws IOException {
        sparseCopy(source, target);
    }

    /** Block by block through a buffer, all-zero blocks skipped (left as holes). */
    static void sparseCopy(Path source, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                long size = in.size();
                ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
                long pos = 0;
                while (pos < size) {
                    buf.clear();
                    if (size - pos < BUFFER) buf.limit((int) (size - pos));
                    while (buf.hasRemaining()) {
                        if (in.read(buf, pos + buf.position()) < 0) throw new IOException(source + " shrank while it was copied");
                    }
                    buf.flip();
                    ZeroRuns.writeNonZero(out, buf, pos, BLOCK);
                    pos += buf.limit();
                }
                // a zero tail stays a hole, but the length is the source's
                if (out.size() < size) out.write(ByteBuffer.allocate(1), size - 1);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(target);
                throw e;
            }
        }
    }
}
