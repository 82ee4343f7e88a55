package io.ingot.qemu;

/** QEMU did not do what was asked: it failed to start, exited early, or a QMP exchange failed. */
public class QemuException extends RuntimeException {
    public QemuException(String message) { super(message); }
    public QemuException(String message, Throwable cause) { super(message, cause); }
}
