package io.ingot.qemu;

import java.util.ArrayList;
import java.util.List;

/**
 * How a QEMU's life is tied to the ingot process that starts it. Build VMs (and the accelerator probe)
 * must not outlive their build by more than a moment, even when ingot is killed with SIGKILL; clones and
 * warm-pool processes are detached by design and recorded instead (run.json, slot.json).
 */
public enum Tether {
    /** Detached: outlives ingot on purpose. */
    NONE,
    /**
     * QEMU >= 9.1: {@code -run-with exit-with-parent=on}, QEMU's own parent-death signal. The kernel sends it
     * when the <em>thread</em> that spawned QEMU ends; a build starts and stops its VMs on the one thread that
     * runs it, so that thread outlives them. It cannot be undone, so a VM that may be left running
     * ({@code --on-error abort}) takes the watchdog instead.
     */
    EXIT_WITH_PARENT,
    /**
     * Any QEMU: started through a small {@code sh} that keeps the read end of a pipe from this JVM and then
     * execs QEMU (same PID, still this JVM's child, so exit codes and QMP work as before). A background
     * subshell blocks on that pipe; the kernel closes the JVM's end when the JVM dies in any way, and at that
     * EOF the subshell sends QEMU SIGTERM, then SIGKILL after 5 s, each only while {@code /proc/PID/stat}
     * still shows QEMU's start time (never a recycled PID). Writing {@code leave} releases it for good.
     */
    WATCHDOG;

    /** The line that releases a watchdog without stopping QEMU. */
    static final String LEAVE = "leave";

    /** Reads field 22 (start time) of /proc/PID/stat, after the command name, which may hold spaces. */
    private static final String SCRIPT = String.join("\n",
            "me=$$",
            "st() { read -r s 2>/dev/null </proc/$me/stat || return 0; s=${s##*) }; set -- $s; shift 19; echo \"$1\"; }",
            "t0=$(st)",
            "exec 3<&0 </dev/null",
            "(",
            "  while read -r line <&3; do [ \"$line\" = " + LEAVE + " ] && exit 0; done",
            "  [ \"$(st)\" = \"$t0\" ] || exit 0",
            "  kill -TERM $me 2>/dev/null",
            "  i=0; while [ $i -lt 25 ] && [ \"$(st)\" = \"$t0\" ]; do sleep 0.2; i=$((i+1)); done",
            "  [ \"$(st)\" = \"$t0\" ] && kill -KILL $me 2>/dev/null",
            "  exit 0",
            ") &",
            "exec \"$@\" 3<&-");

    /** The tether for a build VM: QEMU's exit-with-parent where it has it, unless the VM may be left running. */
    public static Tether forBuildVm(QemuFeatures features, boolean mayBeLeftRunning) {
        return features.exitWithParent() && !mayBeLeftRunning ? EXIT_WITH_PARENT : WATCHDOG;
    }

    /** {@code cmd} as it must be executed for this tether. */
    public QemuCommand apply(QemuCommand cmd) {
        return switch (this) {
            case NONE -> cmd;
            case EXIT_WITH_PARENT -> {
                List<String> argv = new ArrayList<>(cmd.argv());
                argv.addAll(List.of("-run-with", "exit-with-parent=on"));
                yield new QemuCommand(cmd.name(), argv, cmd.qmpSocket(), cmd.serialLog(), cmd.pidFile(), cmd.qemuAt());
            }
            case WATCHDOG -> cmd.wrappedIn(List.of("sh", "-c", SCRIPT, "ingot-watchdog"));
        };
    }

    /** Whether the started process reads this JVM's pipe on its stdin. */
    boolean needsPipe() { return this == WATCHDOG; }
}
