package io.ingot.pipeline;

import java.io.PrintStream;
import java.util.Map;

/** What the user asked for on the command line (or the daemon on its behalf). */
public record BuildOptions(OnError onError, Map<String, String> variables, boolean publish, PrintStream console) {
    public BuildOptions {
        onError = onError == null ? OnError.CLEANUP : onError;
        variables = variables == null ? Map.of() : Map.copyOf(variables);
        console = console == null ? System.out : console;
    }
}
