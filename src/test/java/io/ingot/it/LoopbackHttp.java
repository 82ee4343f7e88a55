package io.ingot.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A small HTTP server on 127.0.0.1 (an ephemeral port) for tests that play a server answering what it should not:
 * each route's exchange is closed after its answer, and an {@link IOException} while answering (the client hung
 * up, as the code under test is meant to) is ignored. {@link #close} stops it at once.
 *
 * <pre>{@code server = new LoopbackHttp().route("/api/builds", ex -> ...).start();}</pre>
 */
public final class LoopbackHttp implements AutoCloseable {
    /** What a route answers. */
    @FunctionalInterface
    public interface Answer {
        void answer(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;

    /** Bound, not started yet: add the routes, then {@link #start}. */
    public LoopbackHttp() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    }

    public LoopbackHttp start() {
        server.start();
        return this;
    }

    /** Answers the requests under {@code path} (a prefix, as {@link HttpServer#createContext} takes it). */
    public LoopbackHttp route(String path, Answer answer) {
        server.createContext(path, ex -> {
            try (ex) {
                answer.answer(ex);
            } catch (IOException e) {
                // the client hung up
            }
        });
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT}, no slash at the end. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** {@link #url} followed by {@code path}. */
    public String url(String path) {
        return url() + path;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
