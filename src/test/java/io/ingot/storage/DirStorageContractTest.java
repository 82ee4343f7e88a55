package io.ingot.storage;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The storage contract on a dir storage (always: it needs only qemu-img). */
class DirStorageContractTest extends StorageContract {
    @TempDir
    Path tmp;

    @Override
    String storageYaml() {
        return "  s:\n    type: dir\n    path: other\n";
    }

    @Override
    Path imagesDir() {
        return tmp.resolve("images");
    }
}
