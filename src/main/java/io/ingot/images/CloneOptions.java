package io.ingot.images;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code linked}: qcow2 overlay on the template's storage; else full copy. storage/format null: the template's
 * storage, qcow2. {@code ram}: a memory clone (linked, on the RAM template). {@code settings}: CPUs, memory, disk
 * size, host name and user-data of its own.
 */
public record CloneOptions(boolean linked, String storage, String format, List<Path> sshKeyFiles, boolean ram,
                           CloneSettings settings) {
    public CloneOptions {
        sshKeyFiles = sshKeyFiles == null ? List.of() : List.copyOf(sshKeyFiles);
        settings = settings == null ? CloneSettings.NONE : settings;
    }

    public CloneOptions(boolean linked, String storage, String format, List<Path> sshKeyFiles, boolean ram) {
        this(linked, storage, format, sshKeyFiles, ram, CloneSettings.NONE);
    }

    public CloneOptions(boolean linked, String storage, String format, List<Path> sshKeyFiles) {
        this(linked, storage, format, sshKeyFiles, false);
    }

    public CloneOptions with(CloneSettings s) { return new CloneOptions(linked, storage, format, sshKeyFiles, ram, s); }

    /** A memory clone: a linked clone of the RAM template's capture overlay that resumes instead of booting. */
    public static CloneOptions memoryClone(List<Path> sshKeyFiles) { return new CloneOptions(true, null, null, sshKeyFiles, true); }
    public static CloneOptions linkedClone() { return new CloneOptions(true, null, null, List.of()); }
    public static CloneOptions fullClone(String storage, String format) { return new CloneOptions(false, storage, format, List.of()); }
}
