package io.ingot.pipeline;

/** What a failed build leaves behind ({@code --on-error}). */
public enum OnError {
    /** Default: stop QEMU, remove the build's disks; logs stay in the build directory. */
    CLEANUP,
    /** Leave everything as it is (QEMU keeps running) and print where it is, for debugging. */
    ABORT,
    /** Stop QEMU but keep the VM disk and logs. */
    KEEP
}
