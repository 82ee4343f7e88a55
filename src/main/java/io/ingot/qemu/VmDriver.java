package io.ingot.qemu;

import java.nio.file.Path;
import java.time.Duration;

/** Starts VMs from QEMU command lines: {@link #QEMU} spawns QEMU; stage tests pass a fake. */
@FunctionalInterface
public interface VmDriver {
    /** QEMU as a child process, recorded in {@code runDir}, its output in {@code logDir}, tied to this process by {@code tether}. */
    VmDriver QEMU = QemuProcess::start;

    Vm start(QemuCommand command, Path logDir, Path runDir, Duration startTimeout, Tether tether);
}
