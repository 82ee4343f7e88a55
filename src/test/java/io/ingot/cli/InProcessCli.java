package io.ingot.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Runs {@code ingot ARGS} in this JVM with a temporary home, keeping what it printed; the home is put back after each test. */
abstract class InProcessCli {
    @TempDir Path tmp;
    private final String savedHome = System.getProperty("ingot.home");
    String out, err;

    @AfterEach
    void restoreHome() {
        if (savedHome == null) System.clearProperty("ingot.home"); else System.setProperty("ingot.home", savedHome);
    }

    int ingot(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(args, new PrintWriter(o), new PrintWriter(e));
        out = o.toString();
        err = e.toString();
        return code;
    }
}
