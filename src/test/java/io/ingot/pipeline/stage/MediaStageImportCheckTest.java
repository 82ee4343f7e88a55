package io.ingot.pipeline.stage;

import io.ingot.images.ImageStore;
import io.ingot.it.LoopbackHttp;
import io.ingot.media.MirrorChooser;
import io.ingot.qemu.ImportDisks;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A recipe whose {@code media.disk} is a qcow2 backed by a host file: the media stage refuses it before the build's
 * disk is made on it (which the template stage would flatten, host file and all, into the base image).
 */
class MediaStageImportCheckTest {
    @Test
    void aHostBackedMediaDiskIsRefused(@TempDir Path dir) throws Exception {
        Path host = ImportDisks.hostFile(dir);
        Path disk = ImportDisks.hostBacked(dir.resolve("cloud.qcow2"), host);
        StageFixture f = new StageFixture(dir, recipe(Sha256.of(disk)));
        f.build.images(ImageStore.open(f.build.paths()));
        UserError e = assertThrows(UserError.class, () -> new MediaStage(MirrorChooser.ofHost()).run(f.build));
        assertEquals("media.disk " + disk + ": refused: a base image stands alone, but it names a backing file: " + host
                + " (an absolute path on this host)", e.getMessage());
        assertNull(f.build.media(), "no disk image for the build");
    }

    @Test
    void aPlainMediaDiskIsTaken(@TempDir Path dir) throws Exception {
        Path disk = ImportDisks.qcow2(dir.resolve("cloud.qcow2"), "64M");
        StageFixture f = new StageFixture(dir, recipe(Sha256.of(disk)));
        f.build.images(ImageStore.open(f.build.paths()));
        new MediaStage(MirrorChooser.ofHost()).run(f.build);
        assertEquals(disk, f.build.media().diskImage());
    }

    @Test
    void aMediaDiskAnnouncedOverTheImportLimitIsNotDownloaded(@TempDir Path dir) throws Exception {
        // the body never comes: the exchange stays open until the test is done (a server that hung up at once made the
        // client fail on the short body, now and then, before the media stage saw the announced length)
        CountDownLatch done = new CountDownLatch(1);
        try (LoopbackHttp server = new LoopbackHttp().route("/cloud.qcow2", ex -> {
            ex.sendResponseHeaders(200, 4 << 20);
            ex.getResponseBody().flush();
            try {
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).start()) {
            try {
                checkRefused(dir, server.url("/cloud.qcow2"));
            } finally {
                done.countDown(); // before the server stops: it waits for its handler
            }
        }
    }

    private static void checkRefused(Path dir, String url) throws Exception {
        StageFixture f = new StageFixture(dir, recipe("ab".repeat(32)).replace("path: cloud.qcow2", "url: " + url));
        Path storageYaml = Files.createDirectories(f.build.paths().images()).resolve("storage.yaml");
        Files.writeString(storageYaml, "imports:\n  maxVirtualSize: 1M\n");
        f.build.images(ImageStore.open(f.build.paths()));
        UserError e = assertThrows(UserError.class, () -> new MediaStage(MirrorChooser.ofHost()).run(f.build));
        assertEquals(url + " is 4194304 bytes, over imports.maxVirtualSize (1M in " + storageYaml + ") (nothing downloaded)", e.getMessage());
        assertNull(f.build.media(), "no disk image for the build");
    }

    private static String recipe(String sha256) {
        return """
                name: from-disk
                media:
                  disk:
                    path: cloud.qcow2
                    format: qcow2
                    checksum: sha256:%s
                machine:
                  memory: 256M
                  disk:
                    size: 256M
                communicator:
                  type: ssh
                  user: root
                shutdown:
                  command: poweroff
                """.formatted(sha256);
    }
}
