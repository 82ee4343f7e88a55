package io.ingot.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user's terminal in raw mode ({@code stty raw -echo} on /dev/tty) while {@code ingot console} runs, so that each
 * key goes to the guest as typed (Ctrl-C too, as in virsh console) and the guest echoes; its settings are put back
 * on close, or by a shutdown hook when the JVM ends otherwise (SIGTERM, SIGHUP).
 */
final class RawTerminal implements AutoCloseable {
    private static final File TTY = new File("/dev/tty");
    private final String saved;
    private final Thread restoreAtExit;

    private RawTerminal(String saved) {
        this.saved = saved;
        this.restoreAtExit = new Thread(this::restore, "restore-terminal");
    }

    /** Raw mode when standard input is a terminal; empty (nothing to change) when it is a pipe or a file. */
    static Optional<RawTerminal> enterIfInteractive() throws IOException, InterruptedException {
        if (!stdinIsTerminal()) return Optional.empty();
        String saved = stty("-g").strip();
        RawTerminal t = new RawTerminal(saved);
        Runtime.getRuntime().addShutdownHook(t.restoreAtExit);
        stty("raw", "-echo");
        return Optional.of(t);
    }

    /** {@code test -t 0} on this JVM's own standard input: Java 17 cannot ask isatty(0) itself. */
    private static boolean stdinIsTerminal() throws IOException, InterruptedException {
        return new ProcessBuilder("test", "-t", "0").redirectInput(ProcessBuilder.Redirect.INHERIT).start().waitFor() == 0;
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("stty"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException("stty " + String.join(" ", args) + " failed with exit code " + p.exitValue());
        return out;
    }

    private void restore() {
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("ingot: cannot restore the terminal (run: stty sane): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreAtExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook restores it (again), harmlessly
        }
    }
}
