package io.ingot.server.http;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/builds/ID/log?follow=1}: streams a build log as it grows, like {@code tail -f}, until the
 * build has finished. No thread waits for a client: a Vert.x timer looks for new bytes twice a second and one
 * of two reader threads reads them for a moment. A stream ends when the build ends or the client goes; at most
 * {@code max} streams run at once (more get 503).
 */
public final class LogFollower {
    /** Where a build's log is and whether the build is over (both may block: they run on worker threads). */
    public interface Source {
        /** The log file of a build; throws a NotFound or UserError for a bad or unknown build id. */
        Path logFile(String buildId);

        boolean finished(String buildId);
    }

    private static final int CHUNK = 64 * 1024;
    private static final long POLL_MILLIS = 500;

    private final Vertx vertx;
    /** Two threads read every stream's new bytes in turn: however many clients follow, no more threads. */
    private final WorkerExecutor readers;
    private final Source source;
    private final int max;
    private final AtomicInteger active = new AtomicInteger();

    LogFollower(Vertx vertx, Source source, int max) {
        this.vertx = vertx;
        this.readers = vertx.createSharedWorkerExecutor("ingot-log-follow", 2);
        this.source = source;
        this.max = max;
    }

    /** Log streams open now. */
    public int active() { return active.get(); }

    void handle(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        readers.executeBlocking(() -> source.logFile(id), false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            if (active.incrementAndGet() > max) {
                active.decrementAndGet();
                ctx.fail(HttpError.unavailable("too many build logs are being followed (at most " + max + "); try again"));
                return;
            }
            new Stream(ctx.response(), id, ar.result()).start();
        });
    }

    private record Step(boolean finished, byte[] bytes) { }

    /** One client's stream. */
    private final class Stream {
        private final HttpServerResponse response;
        private final String id;
        private final Path log;
        private long position;
        private long timer = -1;
        private boolean over;

        Stream(HttpServerResponse response, String id, Path log) {
            this.response = response;
            this.id = id;
            this.log = log;
        }

        void start() {
            response.setChunked(true)
                    .putHeader("Content-Type", "text/plain; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache");
            response.closeHandler(v -> stop());
            response.exceptionHandler(e -> stop());
            tick();
        }

        private void tick() {
            if (over) return;
            if (response.writeQueueFull()) { // a slow reader: wait, keep nothing more in memory
                timer = vertx.setTimer(POLL_MILLIS, t -> tick());
                return;
            }
            // finished first: bytes written before the build ended are all read below
            readers.executeBlocking(() -> new Step(source.finished(id), read()), false).onComplete(ar -> {
                if (over) return;
                if (ar.failed()) {
                    stop();
                    response.reset();
                    return;
                }
                Step step = ar.result();
                if (step.bytes().length > 0) {
                    response.write(Buffer.buffer(step.bytes()));
                    position += step.bytes().length;
                }
                if (step.finished() && step.bytes().length < CHUNK) {
                    stop();
                    response.end();
                    return;
                }
                timer = vertx.setTimer(step.bytes().length == CHUNK ? 1 : POLL_MILLIS, t -> tick());
            });
        }

        private byte[] read() throws IOException {
            if (!Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS)) return new byte[0];
            try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.max(0, Math.min(CHUNK, ch.size() - position)));
                while (buf.hasRemaining() && ch.read(buf, position + buf.position()) > 0) { }
                return buf.position() == buf.capacity() ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
            }
        }

        private void stop() {
            if (over) return;
            over = true;
            if (timer >= 0) vertx.cancelTimer(timer);
            active.decrementAndGet();
        }
    }
}
