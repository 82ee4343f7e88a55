package io.ingot.qemu;

/**
 * What this QEMU can do for RAM templates, detected at run time.
 *
 * @param memoryBackendRom {@code rom=} on memory-backend-file (>= 8.2): clones can open the memory file read-only
 * @param fileMigration    the {@code file:} migration URI (>= 8.2)
 * @param mappedRam        the {@code mapped-ram} migration capability (>= 9.0)
 */
public record QemuFeatures(boolean memoryBackendRom, boolean fileMigration, boolean mappedRam) { }
