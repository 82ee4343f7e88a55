package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildDisk;
import io.ingot.pipeline.Media;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each phase of a build's state is set once, by the stage that makes it; a second set names both stages. */
class BuildStateTest {
    private static final String RECIPE = "name: t\nmedia:\n  iso:\n    path: x.iso\n    checksum: sha256:" + "0".repeat(64) + "\n";

    @Test
    void aPhaseIsSetOnceAndASecondSetNamesTheStages(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("x.iso"), "");
        StageFixture f = new StageFixture(dir, RECIPE);
        assertNull(f.build.media(), "nothing before the media stage ran");
        f.build.stage("media");
        Media media = Media.iso(dir.resolve("x.iso"), "sha256:00");
        f.build.media(media);
        f.build.stage("create-disk");
        f.build.disk(new BuildDisk(dir.resolve("disk.qcow2"), "qcow2"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.build.media(Media.iso(dir.resolve("y.iso"), "sha256:11")));
        assertEquals("the build's media was set by stage media; stage create-disk cannot set it again", e.getMessage());
        assertEquals(media, f.build.media(), "the first value stays");
    }
}
