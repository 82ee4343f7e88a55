package io.ingot.distribution;

import io.ingot.util.Command;
import io.ingot.util.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a pull writes: the file's bytes and sha256 as sent, zero blocks and skipped holes left unallocated. */
class SparseWriterTest {
    @Test
    void zeroBlocksAndHolesStayHolesAndTheSha256IsOfTheWholeFile(@TempDir Path dir) throws Exception {
        int mib = 1 << 20;
        byte[] expected = new byte[16 * mib];
        Random r = new Random(42);
        byte[] data = new byte[mib];
        r.nextBytes(data);
        System.arraycopy(data, 0, expected, 0, mib);             // data, then 3 MiB of zeros sent as data
        System.arraycopy(data, 0, expected, 4 * mib + 100, mib); // data not on a block boundary
        // 8 MiB to the end: a hole the sender leaves out, except a last bit of data
        expected[expected.length - 1] = 7;

        Path f = dir.resolve("memory.part");
        MessageDigest sha = Sha256.digest();
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            SparseWriter w = new SparseWriter(raf.getChannel(), sha, 0);
            for (int off = 0; off < 8 * mib; off += 300_000) { // sent in odd-sized pieces, as a network delivers them
                int n = Math.min(300_000, 8 * mib - off);
                byte[] piece = java.util.Arrays.copyOfRange(expected, off, off + n);
                w.write(piece, n);
            }
            w.zerosTo(expected.length - 4096);
            w.write(java.util.Arrays.copyOfRange(expected, expected.length - 4096, expected.length), 4096);
            raf.setLength(expected.length);
        }
        assertArrayEquals(expected, Files.readAllBytes(f));
        assertEquals(Sha256.of(expected), HexFormat.of().formatHex(sha.digest()));
        long onDisk = Long.parseLong(Command.run(List.of("stat", "-c", "%b", f.toString())).strip()) * 512;
        // 2 MiB of data (+ the blocks the unaligned run touches) and one block at the end, of 16 MiB
        assertTrue(onDisk <= 2 * mib + 3 * 4096 + 64 * 1024, "on disk: " + onDisk + " bytes of " + expected.length);
    }
}
