package io.ingot.util;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizesAndDurationsTest {

    @Test
    void sizesParseWithBinaryUnits() {
        assertEquals(512L << 20, Sizes.parseBytes("512M"));
        assertEquals(2L << 30, Sizes.parseBytes("2GiB"));
        assertEquals(100, Sizes.parseBytes("100"));
        assertTrue(Sizes.isPlainNumber("512"));
        assertFalse(Sizes.isPlainNumber("512M"));
        assertEquals("64M", Sizes.format(64L << 20));
        assertEquals("1536K", Sizes.format(1536L << 10));
        assertEquals("16T", Sizes.format(16L << 40));
    }

    @Test
    void aSizeThatOverflowsALongIsAnIllegalArgumentThatDoesNotRepeatTheValue() {
        String huge = "9".repeat(1_000_000) + "G";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parseBytes(huge));
        assertEquals("too large a size (more than 8 EiB)", e.getMessage());
        // fits in a long as a number, but not once shifted by the unit
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseBytes("99999999999G"));
        assertEquals(8191L << 40, Sizes.parseBytes("8191T"));
    }

    @Test
    void durationsOverflowingOrLongerThanAYearAreRefusedWithoutRepeatingTheValue() {
        assertEquals(Duration.ofSeconds(90), Durations.parse("1m30s"));
        assertEquals(Durations.MAX, Durations.parse("8760h"));
        for (String tooLong : new String[]{"8761h", "99999999999999999999h", "9223372036854775807h", "9".repeat(100_000) + "ms"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(tooLong), tooLong);
            assertEquals("too long a duration (at most 8760h, a year)", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("1d"));
    }
}
