package io.ingot.it;

import io.ingot.cli.Main;
import io.ingot.util.IngotPaths;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** {@code ingot ARGS} run in this JVM on an images folder (the tests' own by default): its exit code and what it printed. */
public final class Cli {
    // fields, not a record's accessors: the tests read cli.out as they read a result
    public final int code;
    public final String out;
    public final String err;

    private Cli(int code, String out, String err) {
        this.code = code;
        this.out = out;
        this.err = err;
    }

    public static Cli run(String... args) {
        return run(TestImages.paths().images(), args);
    }

    public static Cli run(IngotPaths paths, String... args) {
        return run(paths.images(), args);
    }

    /** Sets {@code ingot.images} for the call and puts back what was there (tests in one JVM share the property). */
    public static synchronized Cli run(Path images, String... args) {
        String saved = System.getProperty("ingot.images");
        System.setProperty("ingot.images", images.toString());
        try {
            StringWriter o = new StringWriter(), e = new StringWriter();
            int code = Main.run(args, new PrintWriter(o), new PrintWriter(e));
            return new Cli(code, o.toString(), e.toString());
        } finally {
            if (saved == null) System.clearProperty("ingot.images"); else System.setProperty("ingot.images", saved);
        }
    }
}
