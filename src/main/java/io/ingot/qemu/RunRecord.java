package io.ingot.qemu;

/**
 * The registry entry of a running QEMU ({@code <state>/run/<name>.json}): enough to find it again after the
 * owning JVM died, and to be sure a PID still belongs to that QEMU before killing it.
 *
 * @param start      the QEMU process's start time (ProcessHandle.Info) as an ISO instant
 * @param ownerStart the owner JVM's start time, so a recycled owner PID is not taken for the owner
 */
public record RunRecord(String name, long pid, String start, String command, long ownerPid, String ownerStart) { }
