package io.ingot.server.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes a connection that has no request in progress for longer than the idle timeout: one that dribbles
 * its request headers (the request starts only once they are complete) or a kept-alive one left open.
 * A request in progress is never cut, so a streamed build log may stay quiet as long as the build is.
 * No thread waits for any of this: each connection has one Vert.x timer while it is idle.
 */
final class IdleConnections {
    private final Vertx vertx;
    private final long timeoutMillis;
    private final Map<HttpConnection, State> connections = new ConcurrentHashMap<>();

    private static final class State {
        int requests;
        long timer = -1;
    }

    IdleConnections(Vertx vertx, Duration timeout) {
        this.vertx = vertx;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
    }

    void opened(HttpConnection c) {
        State s = new State();
        connections.put(c, s);
        c.closeHandler(v -> {
            State gone = connections.remove(c);
            if (gone != null) synchronized (gone) { cancel(gone); }
        });
        synchronized (s) { arm(c, s); }
    }

    void requestStarted(HttpConnection c) {
        State s = connections.get(c);
        if (s == null) return;
        synchronized (s) {
            s.requests++;
            cancel(s);
        }
    }

    void requestEnded(HttpConnection c) {
        State s = connections.get(c);
        if (s == null) return;
        synchronized (s) {
            if (--s.requests <= 0) {
                s.requests = 0;
                arm(c, s);
            }
        }
    }

    int open() { return connections.size(); }

    private void arm(HttpConnection c, State s) {
        cancel(s);
        s.timer = vertx.setTimer(timeoutMillis, t -> c.close());
    }

    private void cancel(State s) {
        if (s.timer >= 0) vertx.cancelTimer(s.timer);
        s.timer = -1;
    }
}
