package io.ingot.distribution;

import io.ingot.qemu.QemuImg;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sparse file's map as it travels through S3: where a resumed download takes up the object, and maps refused. */
class ExtentMapTest {
    private final ExtentMap map = new ExtentMap(100, List.of(new QemuImg.Extent(10, 20), new QemuImg.Extent(50, 5)));

    @Test
    void aFileOffsetIsFoundInTheObjectHoldingOnlyTheData() {
        assertEquals(25, map.packed());
        assertEquals(0, map.packedOffset(0), "in the first hole: the object's start");
        assertEquals(0, map.packedOffset(10));
        assertEquals(5, map.packedOffset(15), "inside the first extent");
        assertEquals(20, map.packedOffset(30), "the hole after it: the next extent's first byte");
        assertEquals(20, map.packedOffset(49));
        assertEquals(22, map.packedOffset(52));
        assertEquals(25, map.packedOffset(55), "all data in: the object's end");
        assertEquals(25, map.packedOffset(99));
        assertTrue(map.worthIt(), "a quarter of the file is data");
        assertFalse(new ExtentMap(100, List.of(new QemuImg.Extent(0, 95))).worthIt(), "a dense file goes whole");
    }

    @Test
    void aMapReadBackIsTheOneWritten() {
        assertEquals(map, ExtentMap.parse(map.toJson(), 25, 100L, "ram/memory"));
        assertEquals(map, ExtentMap.parse(map.toJson(), 25, null, "ram/memory"), "a manifest without the file's size");
    }

    @Test
    void aMapThatDoesNotFitTheObjectOrTheManifestIsRefusedNamingTheFile() {
        assertTrue(assertThrows(UserError.class, () -> ExtentMap.parse(map.toJson(), 26, 100L, "ram/memory of t:1"))
                .getMessage().startsWith("ram/memory of t:1: its extent map adds up to 25 bytes, the object holds 26"));
        assertThrows(UserError.class, () -> ExtentMap.parse(map.toJson(), 25, 200L, "m"), "another size than the manifest's");
        for (String bad : List.of("{\"size\":100,\"data\":[[50,5],[10,20]]}", "{\"size\":100,\"data\":[[10,20],[20,5]]}",
                "{\"size\":100,\"data\":[[90,20]]}", "{\"size\":100,\"data\":[[10,0]]}", "{\"size\":100,\"data\":[[-1,26]]}",
                "{\"size\":100,\"data\":[[10]]}", "{\"data\":[]}", "[", "{\"size\":100,\"data\":[[9223372036854775807,25]]}")) {
            assertThrows(UserError.class, () -> ExtentMap.parse(bad.getBytes(StandardCharsets.UTF_8), 25, null, "m"), bad);
        }
    }
}
