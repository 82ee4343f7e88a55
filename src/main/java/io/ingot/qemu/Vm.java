package io.ingot.qemu;

import java.time.Duration;
import java.util.Optional;

/**
 * A running VM as the build stages drive it: its QMP, its exit, its stop. {@link QemuProcess} is the real one
 * (started by a {@link VmDriver}); stage tests use a fake.
 */
public interface Vm {
    long pid();

    Qmp qmp();

    QemuCommand command();

    boolean isAlive();

    /** Exit code once the VM has exited (unknown for an adopted process). */
    Optional<Integer> exitCode();

    /** Waits for the VM to exit on its own; true if it did. */
    boolean waitForExit(Duration timeout);

    /** Stops it: QMP quit, then signals, each given {@code grace}. Idempotent. */
    void stop(Duration grace);

    /** Lets it outlive this process ({@code --on-error abort}); false when its tether cannot be undone. */
    boolean leaveRunning();
}
