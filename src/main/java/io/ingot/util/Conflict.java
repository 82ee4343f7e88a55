package io.ingot.util;

/** A {@link UserError} for an operation the current state refuses (promoting a revoked version, removing a used one). */
public class Conflict extends UserError {
    public Conflict(String message) { super(message); }
}
