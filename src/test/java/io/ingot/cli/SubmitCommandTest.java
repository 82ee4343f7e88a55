package io.ingot.cli;

import io.ingot.it.LoopbackHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot submit} against a server on loopback that answers what no ingot daemon does: an answer that does not
 * end, or one with a key twice. One line and exit 2 each, read no further than 1 MiB.
 */
class SubmitCommandTest extends InProcessCli {
    private LoopbackHttp server;
    private volatile byte[] answer;
    private volatile boolean endless;

    @BeforeEach
    void serve() throws IOException {
        server = new LoopbackHttp().route("/api/builds", ex -> {
            ex.getRequestBody().readAllBytes();
            if (endless) {
                ex.sendResponseHeaders(202, 0);
                OutputStream out = ex.getResponseBody();
                byte[] chunk = ("{\"id\": \"" + "x".repeat(1000) + "\"} ").getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < 100_000; i++) out.write(chunk); // ~100 MB, then it gives up
                return;
            }
            ex.sendResponseHeaders(202, answer.length);
            ex.getResponseBody().write(answer);
        }).start();
        System.setProperty("ingot.home", tmp.toString());
        Path state = Files.createDirectories(tmp.resolve("images/.ingot"));
        Files.writeString(state.resolve("api-token"), "t0ken\n");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anAnswerThatDoesNotEndIsCutAtOneMebibyte() {
        endless = true;
        int code = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> submit());
        assertEquals(2, code, err);
        assertEquals("ingot: " + url() + "/api/builds: more than 1M (refused; an answer of the API is never that large)\n", err);
    }

    @Test
    void anAnswerWithAKeyTwiceIsRefused() {
        answer = "{\"id\": \"20261205-000000-aaaaaa\", \"id\": \"../../x\", \"queuedNow\": true}".getBytes(StandardCharsets.UTF_8);
        assertEquals(2, submit(), err);
        assertTrue(err.startsWith("ingot: " + url() + "/api/builds: not valid JSON: Duplicate field 'id' (line 1, column ")
                && err.indexOf('\n') == err.length() - 1, err);
    }

    private int submit() {
        return ingot("submit", "tiny-linux", "--url", url());
    }

    private String url() {
        return server.url();
    }
}
