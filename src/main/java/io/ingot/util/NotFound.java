package io.ingot.util;

/** A {@link UserError} about something that does not exist (no such template, version, build, recipe). */
public class NotFound extends UserError {
    public NotFound(String message) { super(message); }
}
