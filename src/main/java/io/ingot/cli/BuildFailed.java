package io.ingot.cli;

/** A build (or other long operation) ran and failed; the message says which stage and why. Exit code 1. */
public class BuildFailed extends RuntimeException {
    public BuildFailed(String message) { super(message); }
}
