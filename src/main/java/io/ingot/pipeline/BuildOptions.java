package io.ingot.pipeline;

import java.io.PrintStream;

/**
 * What the user asked for on the command line (or the daemon on its behalf). {@code vnc}: build VMs
 * get a VNC display on loopback, its address printed (like Packer's).
 */
public record BuildOptions(OnError onError, PrintStream console, boolean vnc) {
    public BuildOptions {
        onError = onError == null ? OnError.CLEANUP : onError;
        console = console == null ? System.out : console;
    }

    public BuildOptions(OnError onError, PrintStream console) {
        this(onError, console, false);
    }
}
