package io.ingot.pipeline;

import java.io.PrintStream;

/** What the user asked for on the command line (or the daemon on its behalf). */
public record BuildOptions(OnError onError, PrintStream console) {
    public BuildOptions {
        onError = onError == null ? OnError.CLEANUP : onError;
        console = console == null ? System.out : console;
    }
}
