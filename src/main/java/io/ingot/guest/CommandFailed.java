package io.ingot.guest;

/** A guest command finished with a non-zero exit status; the message carries the end of its stderr. */
public class CommandFailed extends GuestException {
    private final int exitStatus;

    public CommandFailed(String message, int exitStatus) {
        super(message);
        this.exitStatus = exitStatus;
    }

    public int exitStatus() { return exitStatus; }
}
