package io.ingot.media;

import io.ingot.it.LoopbackHttp;
import io.ingot.recipe.Recipe;
import io.ingot.util.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recipe's media (media.disk, an ISO, a kernel) from a server on loopback that announces more than can come in: a
 * checksum list that does not end, a file larger than the free space or the import limit. Refused with one line
 * before the download, nothing left in the cache.
 */
class MediaFetcherTest {
    private static final String SHA = "sha256:" + "ab".repeat(32);
    @TempDir Path cache;
    @TempDir Path recipeDir;
    private LoopbackHttp server;
    private volatile long announced;
    private final CountDownLatch testDone = new CountDownLatch(1);

    @BeforeEach
    void serve() throws IOException {
        server = new LoopbackHttp().route("/SHA256SUMS", ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            byte[] line = (SHA.substring(7) + "  other.img\n").getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 1_500_000; i++) out.write(line); // ~100 MB, then it gives up
        }).route("/disk.img", ex -> {
            ex.sendResponseHeaders(200, announced);
            // the body never comes, and the connection stays open (closed, the client's send may fail on it before the
            // headers are read): the client must not wait for the body
            try {
                testDone.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).start();
    }

    @AfterEach
    void stop() {
        testDone.countDown();
        server.close();
    }

    @Test
    void aChecksumListThatDoesNotEndIsCut() {
        Recipe.Source src = new Recipe.Source(url("/disk.img"), null, null, "file:" + url("/SHA256SUMS"));
        UserError e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(UserError.class, () -> fetcher().fetch(src, recipeDir)));
        assertEquals(url("/SHA256SUMS") + ": more than 4M (refused; a checksum list is never that large)", e.getMessage());
    }

    @Test
    void mediaLargerThanTheFreeSpaceIsRefusedBeforeItsDownload() throws IOException {
        announced = 1L << 60;
        UserError e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(UserError.class, () -> fetcher().fetch(new Recipe.Source(url("/disk.img"), null, null, SHA), recipeDir)));
        assertTrue(e.getMessage().matches("\\Q" + url("/disk.img") + " needs " + (1L << 60) + " bytes in " + cache.resolve("downloads")
                + "\\E/[0-9a-f]{16}, which has \\d+ bytes free \\(nothing downloaded\\)"), e.getMessage());
        assertEquals(List.of(), files(), "nothing in the cache");
    }

    @Test
    void aDiskOverTheImportLimitIsRefusedBeforeItsDownload() throws IOException {
        announced = 2L << 20;
        MediaFetcher.Limit limit = new MediaFetcher.Limit(1 << 20, "imports.maxVirtualSize (1M in images/storage.yaml)");
        UserError e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(UserError.class, () -> fetcher().fetch(new Recipe.Source(url("/disk.img"), null, null, SHA), recipeDir, limit)));
        assertEquals(url("/disk.img") + " is 2097152 bytes, over imports.maxVirtualSize (1M in images/storage.yaml) (nothing downloaded)",
                e.getMessage());
        assertEquals(List.of(), files(), "nothing in the cache");
    }

    private MediaFetcher fetcher() {
        return new MediaFetcher(cache, line -> { }, b -> null);
    }

    private String url(String path) {
        return server.url(path);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
