package io.ingot.clone;

import java.nio.file.Path;
import java.util.List;

/** {@code linked}: qcow2 overlay on the template's storage; else full copy. storage/format null: the template's storage, qcow2. */
public record CloneOptions(boolean linked, String storage, String format, List<Path> sshKeyFiles) {
    public CloneOptions { sshKeyFiles = sshKeyFiles == null ? List.of() : List.copyOf(sshKeyFiles); }
    public static CloneOptions linkedClone() { return new CloneOptions(true, null, null, List.of()); }
    public static CloneOptions fullClone(String storage, String format) { return new CloneOptions(false, storage, format, List.of()); }
}
