package io.ingot.qemu;

import java.util.List;

/**
 * The registry entry of a running QEMU ({@code <state>/run/<name>.json}): enough to find it again after the
 * owning JVM died, and to be sure a PID still belongs to that QEMU before killing it.
 *
 * @param start       the QEMU process's start time (ProcessHandle.Info) as an ISO instant
 * @param command     QEMU's binary (never a wrapper such as {@code setsid} that exec'd it)
 * @param ownerStart  the owner JVM's start time, so a recycled owner PID is not taken for the owner
 * @param commandLine QEMU's own command line
 * @param leftRunning left running on purpose when its owner ended ({@code --on-error abort}): the reaper reports
 *                    it instead of killing it, until asked to ({@code ingot doctor --repair})
 * @param qmpSocket   its QMP socket, removed with it
 */
public record RunRecord(String name, long pid, String start, String command, long ownerPid, String ownerStart,
                        List<String> commandLine, boolean leftRunning, String qmpSocket) {
    public RunRecord {
        commandLine = commandLine == null ? List.of() : List.copyOf(commandLine);
    }

    public RunRecord(String name, long pid, String start, String command, long ownerPid, String ownerStart) {
        this(name, pid, start, command, ownerPid, ownerStart, List.of(), false, null);
    }

    RunRecord markedLeft() {
        return new RunRecord(name, pid, start, command, ownerPid, ownerStart, commandLine, true, qmpSocket);
    }
}
