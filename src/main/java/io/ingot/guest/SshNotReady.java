package io.ingot.guest;

/**
 * SSH did not let us in before the deadline. The message names the target, the wait and the
 * last problem seen (connection refused, no banner, reset during key exchange, key refused...).
 */
public class SshNotReady extends GuestException {
    private final String lastProblem;

    public SshNotReady(String message, String lastProblem) {
        super(message);
        this.lastProblem = lastProblem;
    }

    /** The last problem on its own, e.g. {@code connection refused}. */
    public String lastProblem() { return lastProblem; }
}
