package io.ingot.pipeline.stage;

import io.ingot.server.PortAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The answer-server stage owns its server and its port: its own cleanup stops the one and frees the other. */
class AnswerServerStageTest {
    @Test
    void cleanupStopsTheServerAndReleasesItsPort(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir, "name: answers\nmedia:\n  iso: {builtin: tinyinstall}\n");
        Path locks = dir.resolve("ports");
        AnswerServerStage stage = new AnswerServerStage(new PortAllocator(locks));
        stage.run(f.build);
        Files.writeString(f.build.answers().dir().resolve("answers.cfg"), "hello");
        int port = f.build.httpPort();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/answers.cfg")).build();
        assertEquals("hello", http.send(get, HttpResponse.BodyHandlers.ofString()).body());
        assertNull(tryLock(locks.resolve(port + ".lock")), "the port is reserved while the build runs");

        stage.cleanup(f.build);
        assertThrows(ConnectException.class, () -> http.send(get, HttpResponse.BodyHandlers.ofString()));
        FileLock free = tryLock(locks.resolve(port + ".lock"));
        assertNotNull(free, "the port is free again");
        free.channel().close();
    }

    /** What another ingot process would get: the lock, or null while a lease holds it. */
    private static FileLock tryLock(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.tryLock();
            if (lock == null) ch.close();
            return lock;
        } catch (OverlappingFileLockException e) {
            ch.close();
            return null;
        }
    }
}
