package io.ingot.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listings' plain forms run without picocli and answer as they do through it. */
class PlainCommandsTest extends InProcessCli {
    @Test
    void onlyThePlainFormsSkipPicocli() throws Exception {
        PrintWriter none = new PrintWriter(java.io.Writer.nullWriter());
        for (String[] args : new String[][] {{}, {"templates", "x"}, {"templates", "--json", "--json"}, {"versions"},
                {"versions", "a", "b"}, {"versions", "-h"}, {"pool", "--json"}, {"pool", "fill", "t"}, {"clones", "--help"},
                {"doctor", "--verbose"}, {"--help"}, {"build", "r.yaml"}}) {
            assertNull(Main.plain(args, none), String.join(" ", args));
        }
    }

    @Test
    void answersAndMistakesAsThroughPicocli() {
        System.setProperty("ingot.home", tmp.toString());
        assertEquals(0, ingot("templates"), err);
        assertEquals("NAME  VERSIONS  CHANNELS  SIZE  CLONES  RAM\n", out);
        assertEquals(0, ingot("--json", "clones"), err);
        assertEquals("[ ]\n", out);
        assertEquals(2, ingot("versions", "nosuch", "--json"));
        assertEquals("ingot: no template 'nosuch' (see: ingot templates)\n", err);
        assertEquals(2, ingot("versions", "../x"));
        assertTrue(err.startsWith("ingot: ") && !err.contains("Exception"), err);
        // picocli still answers everything else, naming the command as before
        assertEquals(2, ingot("templates", "--bogus"));
        assertEquals("ingot: Unknown option: '--bogus'\nTry 'ingot templates --help'.\n", err);
        assertEquals(0, ingot("versions", "--help"));
        assertTrue(out.startsWith("Usage: ingot versions [-hV] [--json] NAME"), out);
    }
}
