package io.ingot.guest;

import java.time.Duration;

/**
 * How a guest command ended: its exit status ({@code -1} when it was killed by a signal, then
 * {@code exitSignal} names it, e.g. {@code KILL}) and how long it ran.
 */
public record ExecResult(int exitStatus, String exitSignal, Duration elapsed) {
    public boolean success() {
        return exitStatus == 0;
    }
}
