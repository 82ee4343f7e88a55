package io.ingot.guest;

/** Something went wrong talking to a build guest over SSH; the message says what and where. */
public class GuestException extends RuntimeException {
    public GuestException(String message) { super(message); }
    public GuestException(String message, Throwable cause) { super(message, cause); }
}
