package io.ingot.util;

/**
 * A problem the user can fix (bad argument, bad recipe, refused operation).
 * The CLI prints its message as one line and exits with code 2; never a stack trace.
 */
public class UserError extends RuntimeException {
    public UserError(String message) { super(message); }
    public UserError(String message, Throwable cause) { super(message, cause); }
}
