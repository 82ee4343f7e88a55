package io.ingot.storage;

import java.nio.file.Path;

/** Where a clone's files are: its directory (vm.json and seed.iso go there) and its disk. {@code reflinked}: a full clone made by FICLONE. */
public record CloneFiles(String storage, String name, Path dir, Volume disk, boolean reflinked) {
    public String format() { return disk == null ? null : disk.format(); }
    public Path vmConfig() { return dir.resolve("vm.json"); }
    public Path seedIso() { return dir.resolve("seed.iso"); }
}
