package io.ingot.storage;

import io.ingot.qemu.ImageCheck;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code imports.maxVirtualSize} in storage.yaml: the import check's size limit, 2T unless set. */
class ImportLimitConfigTest {
    @TempDir Path images;

    @Test
    void theLimitIsTwoTebibytesUnlessStorageYamlSetsIt() throws Exception {
        assertEquals(2L << 40, StorageConfig.load(images).importMaxVirtualSize());
        assertEquals(ImageCheck.DEFAULT_MAX_VIRTUAL_SIZE, StorageConfig.load(images).importMaxVirtualSize());
        Files.writeString(images.resolve("storage.yaml"), "imports:\n  maxVirtualSize: 512G\n");
        assertEquals(512L << 30, StorageConfig.load(images).importMaxVirtualSize());
    }

    @Test
    void aLimitThatIsNotASizeIsAClearError() throws Exception {
        Files.writeString(images.resolve("storage.yaml"), "imports:\n  maxVirtualSize: lots\n");
        UserError e = assertThrows(UserError.class, () -> StorageConfig.load(images));
        assertEquals(images.resolve("storage.yaml") + ": imports.maxVirtualSize 'lots': not a size (use e.g. 512M, 2G)", e.getMessage());
        Files.writeString(images.resolve("storage.yaml"), "imports:\n  maxVirtualSize: 0\n");
        assertEquals(images.resolve("storage.yaml") + ": imports.maxVirtualSize must be more than 0",
                assertThrows(UserError.class, () -> StorageConfig.load(images)).getMessage());
    }

    @Test
    void aKeyGivenTwiceIsAOneLineError() throws Exception {
        // the second limit would silently win over the first a reader of the file sees
        Files.writeString(images.resolve("storage.yaml"), "imports:\n  maxVirtualSize: 1G\n  maxVirtualSize: 64T\n");
        assertEquals(images.resolve("storage.yaml") + ": imports (line 3): Duplicate field 'maxVirtualSize'",
                assertThrows(UserError.class, () -> StorageConfig.load(images)).getMessage());
    }
}
