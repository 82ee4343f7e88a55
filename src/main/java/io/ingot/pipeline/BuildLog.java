package io.ingot.pipeline;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.function.UnaryOperator;

/**
 * The build's log: every line goes to {@code build.log} in the build directory and to the console,
 * with sensitive recipe values masked on the way to both.
 */
public final class BuildLog implements AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final BufferedWriter file;
    private final PrintStream console;
    private final UnaryOperator<String> mask;

    public BuildLog(Path logFile, PrintStream console, UnaryOperator<String> mask) {
        try {
            Files.createDirectories(logFile.getParent());
            this.file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.console = console;
        this.mask = mask;
    }

    /** A headline: stage starts and ends, the summary. */
    public synchronized void stage(String line) {
        write("==> " + line);
    }

    /** A detail line of the current stage. */
    public synchronized void info(String line) {
        write("    " + line);
    }

    /** Output of a step (guest command, script), prefixed by the step's name. */
    public synchronized void output(String prefix, String line) {
        write("    " + prefix + ": " + line);
    }

    public String mask(String text) {
        return mask.apply(text);
    }

    private void write(String line) {
        String masked = mask.apply(line);
        console.println(masked);
        try {
            file.write(LocalTime.now().format(TIME));
            file.write(' ');
            file.write(masked);
            file.newLine();
            file.flush();
        } catch (IOException e) {
            console.println("ingot: cannot write build.log: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException ignored) {
            // nothing more to log to
        }
    }
}
