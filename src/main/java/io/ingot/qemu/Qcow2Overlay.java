package io.ingot.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Writes an empty qcow2 v3 overlay on a backing file, as {@code qemu-img create -f qcow2 -F FMT -b BACKING}
 * lays it out (QEMU's docs/interop/qcow2.txt): cluster 0 the header, its extensions (backing format, feature
 * name table) and the backing file name; cluster 1 the refcount table; cluster 2 one refcount block; from
 * cluster 3 an all-zero L1 table. Done in-process because a linked clone is otherwise mostly the cost of
 * starting qemu-img.
 */
public final class Qcow2Overlay {
    static final int CLUSTER_BITS = 16;
    static final int CLUSTER_SIZE = 1 << CLUSTER_BITS;
    private static final int MAGIC = 0x514649fb; // "QFI\xfb"
    private static final int HEADER_LENGTH = 112; // v3 header with the compression type byte, padded to 8
    private static final int EXT_BACKING_FORMAT = 0xe2792aca;
    private static final int EXT_FEATURE_NAMES = 0x6803f857;
    /** Feature name table entries: type (0 incompatible, 1 compatible, 2 autoclear), bit, name. */
    private static final Object[][] FEATURE_NAMES = {
            {0, 0, "dirty bit"}, {0, 1, "corrupt bit"}, {0, 2, "external data file"}, {0, 3, "compression type"},
            {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"}, {2, 0, "bitmaps"}, {2, 1, "raw external data"}};
    /** One refcount block of 16-bit entries covers this many clusters: far more than any L1 table needs. */
    private static final int MAX_CLUSTERS = CLUSTER_SIZE / 2;

    private Qcow2Overlay() { }

    /**
     * Creates {@code overlay} (which must not exist) on {@code backing}, written into the header as given
     * (relative to the overlay's directory, or absolute). Returns false, writing nothing, when the backing
     * format is not one whose size this reads itself (qcow2, raw); the caller then asks qemu-img.
     */
    public static boolean create(Path overlay, String backing, String backingFormat) throws IOException {
        Path dir = overlay.toAbsolutePath().getParent();
        Optional<Long> size = virtualSize(dir.resolve(backing), backingFormat);
        if (size.isEmpty()) return false;
        byte[] name = backing.getBytes(StandardCharsets.UTF_8);
        if (name.length > 1023) return false; // QEMU's limit for a backing file name
        ByteBuffer header = header(size.get(), name, backingFormat);
        long l1Entries = l1Entries(size.get());
        long l1Clusters = (l1Entries * 8 + CLUSTER_SIZE - 1) / CLUSTER_SIZE;
        if (l1Clusters + 3 > MAX_CLUSTERS) return false;
        try (FileChannel ch = FileChannel.open(overlay, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            try {
                writeFully(ch, header, 0);
                // refcount table: one block, at cluster 2
                writeFully(ch, ByteBuffer.allocate(8).putLong(0, 2L * CLUSTER_SIZE), CLUSTER_SIZE);
                // refcount block: header, refcount table, refcount block and the L1 clusters are in use once
                int used = (int) (3 + l1Clusters);
                ByteBuffer refcounts = ByteBuffer.allocate(used * 2);
                for (int i = 0; i < used; i++) refcounts.putShort((short) 1);
                writeFully(ch, refcounts.flip(), 2L * CLUSTER_SIZE);
                // the L1 table is all zeros: its last byte sets the file's length, the rest stays a hole
                writeFully(ch, ByteBuffer.allocate(1), 3L * CLUSTER_SIZE + l1Entries * 8 - 1);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(overlay);
                throw e;
            }
        }
        return true;
    }

    /** L1 entries for a virtual size: each L2 table (one cluster of 8-byte entries) maps that many clusters. */
    static long l1Entries(long virtualSize) {
        long perL2 = (long) CLUSTER_SIZE * (CLUSTER_SIZE / 8);
        return Math.max(1, (virtualSize + perL2 - 1) / perL2);
    }

    static ByteBuffer header(long virtualSize, byte[] backingName, String backingFormat) {
        byte[] fmt = backingFormat.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + 8 + pad8(fmt.length) + 8 + FEATURE_NAMES.length * 48 + 8 + backingName.length);
        int backingOffset = b.capacity() - backingName.length;
        b.putInt(MAGIC).putInt(3)
                .putLong(backingOffset).putInt(backingName.length)
                .putInt(CLUSTER_BITS).putLong(virtualSize)
                .putInt(0) // no encryption
                .putInt((int) l1Entries(virtualSize))
                .putLong(3L * CLUSTER_SIZE) // L1 table
                .putLong(CLUSTER_SIZE).putInt(1) // refcount table and its size in clusters
                .putInt(0).putLong(0) // no snapshots
                .putLong(0).putLong(0).putLong(0) // incompatible, compatible, autoclear features
                .putInt(4) // refcount order: 16-bit refcounts
                .putInt(HEADER_LENGTH)
                .put((byte) 0); // compression type zlib; the rest of the header is padding
        b.position(HEADER_LENGTH);
        b.putInt(EXT_BACKING_FORMAT).putInt(fmt.length).put(fmt);
        b.position(b.position() + pad8(fmt.length) - fmt.length);
        b.putInt(EXT_FEATURE_NAMES).putInt(FEATURE_NAMES.length * 48);
        for (Object[] f : FEATURE_NAMES) {
            byte[] n = ((String) f[2]).getBytes(StandardCharsets.US_ASCII);
            b.put((byte) (int) (Integer) f[0]).put((byte) (int) (Integer) f[1]).put(n);
            b.position(b.position() + 46 - n.length);
        }
        b.putInt(0).putInt(0); // end of the extensions
        b.put(backingName);
        return b.flip();
    }

    /** The backing image's virtual size: from its qcow2 header, or a raw file's length; empty for other formats. */
    static Optional<Long> virtualSize(Path backing, String format) throws IOException {
        if ("raw".equals(format)) return Optional.of(Files.size(backing));
        if (!"qcow2".equals(format)) return Optional.empty();
        ByteBuffer b = ByteBuffer.allocate(32);
        try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b) >= 0) { }
        }
        if (b.hasRemaining() || b.getInt(0) != MAGIC) throw new IOException(backing + " is not a qcow2 image");
        return Optional.of(b.getLong(24));
    }

    private static int pad8(int n) {
        return (n + 7) & ~7;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) position += ch.write(b, position);
    }
}
