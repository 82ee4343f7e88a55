package io.ingot.pipeline.stage;

import io.ingot.images.ImageStore;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A disk its own publish would refuse for its size is not made: the build stops before it installs anything. */
class CreateDiskStageTest {
    @Test
    void aDiskOverTheImportLimitIsRefusedBeforeItIsMade(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, """
                name: huge
                media:
                  iso: {builtin: tinyinstall}
                machine:
                  disk: {size: 3T}
                communicator:
                  type: ssh
                  user: root
                shutdown:
                  command: poweroff
                """);
        f.build.images(ImageStore.open(f.build.paths()));
        UserError e = assertThrows(UserError.class, () -> new CreateDiskStage().run(f.build));
        assertEquals("machine.disk.size 3T is over the import limit of 2T (imports.maxVirtualSize in storage.yaml)", e.getMessage());
        assertFalse(Files.exists(f.build.buildDir().resolve("disk.qcow2")));
    }
}
