package io.ingot.guest;

/**
 * The SSH connection dropped while a command ran (or before it could start), e.g. because the
 * command rebooted or powered off the guest. A provisioner step marked {@code expectDisconnect}
 * accepts this; everywhere else it is a failure.
 */
public class Disconnected extends GuestException {
    public Disconnected(String message) { super(message); }
    public Disconnected(String message, Throwable cause) { super(message, cause); }
}
