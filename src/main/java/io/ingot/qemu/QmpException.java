package io.ingot.qemu;

/** A QMP command failed; {@link #errorClass()} is QMP's class (e.g. GenericError), or "Timeout"/"Disconnected". */
public class QmpException extends QemuException {
    private final String errorClass;
    private final String description;

    public QmpException(String command, String errorClass, String description) {
        super("QMP " + command + ": " + errorClass + ": " + description);
        this.errorClass = errorClass;
        this.description = description;
    }

    public String errorClass() { return errorClass; }
    public String description() { return description; }
}
