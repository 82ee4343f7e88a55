package io.ingot.daemon;

import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** images/daemon.yaml is read strictly: a key given twice is one line naming the file, not the last value silently. */
class DaemonConfigTest {
    @TempDir Path tmp;

    @Test
    void aKeyGivenTwiceIsRefused() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.writeString(images.resolve(DaemonConfig.FILE_NAME), "bind: 127.0.0.1\nopenReads: false\nopenReads: true\n");
        UserError e = assertThrows(UserError.class, () -> DaemonConfig.load(new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot"))));
        assertEquals(images.resolve(DaemonConfig.FILE_NAME) + ": Duplicate field 'openReads' (line 3, column 10)", e.getMessage());
    }
}
