package io.ingot.sbom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cases from dpkg's own tests (lib/dpkg/t/t-version.c) and deb-version(7). */
class DpkgVersionTest {
    private static void less(String a, String b) {
        assertTrue(DpkgVersion.compare(a, b) < 0, a + " < " + b);
        assertTrue(DpkgVersion.compare(b, a) > 0, b + " > " + a);
    }

    private static void same(String a, String b) {
        assertEquals(0, DpkgVersion.compare(a, b), a + " = " + b);
    }

    @Test
    void equalVersionsAsDpkgsTestsHaveThem() {
        same("0-0", "0-0");
        same("0-00", "00-0");
        same("1:2-3", "1:2-3");
        same("0", "0:0");            // epoch 0 is no epoch
        same("0:0-0", "0-0");
        same("0:0.0-0.0", "0.0-0.0");
        same("  \t0:0-1", "0-1");    // leading and trailing blanks
        same("0:0-1\t  ", "0-1");
    }

    @Test
    void epochUpstreamAndRevisionOrderAsDpkgsTestsHaveThem() {
        less("0:0-0", "1:0-0");
        less("1-1", "2-1");
        less("1-1", "1-2");
        less("a-0", "b-0");
        less("0-a", "0-b");
        less("1:1.0", "2:0.1");       // the epoch wins over everything after it
    }

    @Test
    void parsesLikeDpkg() {
        DpkgVersion v = DpkgVersion.parse("0:0-0-0");
        assertEquals("0-0", v.upstream(), "the revision is after the last hyphen");
        assertEquals("0", v.revision());
        assertEquals("0:0", DpkgVersion.parse("0:0:0-0").upstream(), "the epoch ends at the first colon");
        assertEquals("0-0:0", DpkgVersion.parse("0:0-0:0-0").upstream());
        assertEquals(5, DpkgVersion.parse("5:1").epoch());
        assertEquals("09azAZ.-+~:", DpkgVersion.parse("0:09azAZ.-+~:-0").upstream());
        for (String bad : new String[] {"", "  ", "0:", ":1.0", "1.0-", "a:0-0", "-0", "0:-0", "999999999999999999999999:0-1"}) {
            assertThrows(IllegalArgumentException.class, () -> DpkgVersion.parse(bad), "'" + bad + "'");
        }
    }

    @Test
    void tildeSortsBeforeEverythingEvenTheEnd() {
        // deb-version(7): ~~ < ~~a < ~ < (the empty part) < a
        less("1.0~~", "1.0~~a");
        less("1.0~~a", "1.0~");
        less("1.0~", "1.0");
        less("1.0", "1.0a");
        less("1.0~rc1-1", "1.0-1");
    }

    @Test
    void lettersSortBeforeOtherCharactersAndNumbersByValue() {
        less("1.0a", "1.0+");
        less("1.0+", "1.0.");
        less("1.9", "1.10");
        less("9.2p1-2", "9.2p1-2+deb12u3");
        less("1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u10");
        same("1.001", "1.1");
    }
}
