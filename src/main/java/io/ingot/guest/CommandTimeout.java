package io.ingot.guest;

/** A guest command did not finish in time; its channel was closed. */
public class CommandTimeout extends GuestException {
    public CommandTimeout(String message) { super(message); }
}
