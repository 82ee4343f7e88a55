package io.ingot.storage;

import io.ingot.qemu.Qcow2Overlay;
import io.ingot.util.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiskCopyTest {

    @Test
    void copiesEveryByteAndLeavesZeroBlocksAsHoles(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("base.raw");
        byte[] data = new byte[3 << 20];
        new SplittableRandom(7).nextBytes(data);
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(40L << 20);                  // 40 MiB, mostly hole
            f.seek(1 << 20); f.write(data);          // data from 1 MiB
            f.seek((20L << 20) + 5); f.write(data, 0, 1000); // an unaligned bit in the middle
            f.seek((40L << 20) - 10); f.write(new byte[] {1, 2, 3}); // near the end, then 7 zero bytes
        }
        Path copy = dir.resolve("copy.raw");
        DiskCopy.copy(src, copy);
        assertEquals(Files.size(src), Files.size(copy));
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(copy));
        long blocks = Long.parseLong(Command.exec(List.of("stat", "-c", "%b", copy.toString())).stdout().trim()); // 512-byte blocks
        assertTrue(blocks * 512 < (5L << 20), "zeros were written out: " + blocks * 512 + " bytes allocated");
    }

    @Test
    void aQcow2CopyIsAWholeImageOnlyWithoutBackingFile(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "64M");
        run("qemu-io", "-f", "qcow2", "-c", "write -P 0x33 3M 5M", base.toString());
        assertTrue(DiskCopy.standsAlone(base, "qcow2"));
        Path copy = dir.resolve("full.qcow2");
        DiskCopy.copy(base, copy);
        assertEquals(0, Command.exec(List.of("qemu-img", "check", "-f", "qcow2", copy.toString())).exitCode());
        assertEquals(0, Command.exec(List.of("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", base.toString(), copy.toString())).exitCode());

        Path overlay = dir.resolve("overlay.qcow2");
        assertTrue(Qcow2Overlay.create(overlay, "base.qcow2", "qcow2"));
        assertFalse(DiskCopy.standsAlone(overlay, "qcow2"), "an overlay copied alone would lose its data");
        assertFalse(DiskCopy.standsAlone(base, "vmdk"));
        assertTrue(DiskCopy.standsAlone(base, "raw"));
    }

    @Test
    void aFailedCopyLeavesNoFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("exists"), "x");
        org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.NoSuchFileException.class,
                () -> DiskCopy.copy(dir.resolve("missing"), dir.resolve("target")));
        assertFalse(Files.exists(dir.resolve("target")));
        org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> DiskCopy.copy(dir.resolve("exists"), dir.resolve("exists")));
        assertEquals("x", Files.readString(dir.resolve("exists")), "an existing file is never written over");
    }

    private static void run(String... argv) throws Exception {
        Command.Result r = Command.exec(List.of(argv));
        assertEquals(0, r.exitCode(), String.join(" ", argv) + ": " + r.output());
    }
}
