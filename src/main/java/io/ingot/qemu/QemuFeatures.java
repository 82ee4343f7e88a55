package io.ingot.qemu;

/**
 * What this QEMU can do for RAM templates, detected at run time.
 *
 * @param memoryBackendRom {@code rom=} on memory-backend-file (>= 8.2): clones can open the memory file read-only
 * @param fileMigration    the {@code file:} migration URI (>= 8.2)
 * @param mappedRam        the {@code mapped-ram} migration capability (>= 9.0)
 * @param exitWithParent   {@code -run-with exit-with-parent=on} (>= 9.1): QEMU ends when the process that started it does
 */
public record QemuFeatures(boolean memoryBackendRom, boolean fileMigration, boolean mappedRam, boolean exitWithParent) {
    public QemuFeatures(boolean memoryBackendRom, boolean fileMigration, boolean mappedRam) {
        this(memoryBackendRom, fileMigration, mappedRam, false);
    }
}
