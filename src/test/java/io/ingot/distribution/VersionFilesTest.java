package io.ingot.distribution;

import io.ingot.qemu.QemuImg.Extent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The data extents a daemon lists: short holes merged into the data around them, nothing past the file's size. */
class VersionFilesTest {
    private static final long MIB = 1 << 20;

    @Test
    void holesUnderOneMebibyteAreFetchedWithTheirDataLongerOnesAreSkipped() {
        List<Extent> map = List.of(new Extent(0, 4096), new Extent(8192, 4096), // a 4 KiB hole: merged
                new Extent(3 * MIB, MIB),                                        // after a hole of ~3 MiB: its own run
                new Extent(100 * MIB, 2 * MIB));                                 // runs past the listed size: clipped
        assertEquals(List.of(new Extent(0, 12288), new Extent(3 * MIB, MIB), new Extent(100 * MIB, MIB)),
                VersionFiles.merged(map, 101 * MIB));
    }

    @Test
    void aFileWithoutExtentsIsFetchedWhole() {
        assertEquals(List.of(new Extent(0, 10)), new VersionFiles.Entry("f", 10, "x").fetch());
        assertEquals(List.of(), new VersionFiles.Entry("f", 0, "x").fetch());
    }
}
