package io.ingot.server.http;

import io.ingot.tls.ServerIdentity;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The daemon's HTTP server: Vert.x, with Camel's platform-http routes (the REST DSL of routes/api.camel.yaml)
 * on its router. Before any route runs, every request goes through the {@link RequestGuard} (its Host header
 * before Vert.x Web sees it); a HEAD is answered as the GET of the same path without its body; every answer gets
 * the {@link SecurityHeaders}; connections idle (or still sending their headers)
 * past the idle timeout are closed; {@code ?follow=1} of a build log is streamed here by the
 * {@link LogFollower} so that no thread waits on a client. Errors Vert.x decides itself (no such path, wrong
 * method, body too large) get the same JSON answers as the routes' ({@link ApiErrors}).
 */
public final class HttpFront implements AutoCloseable {
    public static final long MAX_BODY_BYTES = 64 * 1024;
    /** Set by the front on a HEAD request served by its GET route: send the headers, skip reading the body. */
    public static final String HEAD_HEADER = "X-Ingot-Head";
    private static final Logger LOG = LoggerFactory.getLogger(HttpFront.class);
    private static final String SEEN = "ingot.seen";
    private static final String WAS_HEAD = "ingot.head";

    /**
     * Where to listen and how long to wait; {@code port} 0 picks a free port. {@code requestTimeout}: a request
     * whose answer has not started by then gets 503 (an answer under way, a download or a log stream, runs on).
     * {@code tls}: the key and certificate to serve HTTPS with, or null for plain HTTP.
     */
    public record Settings(InetAddress bind, int port, Duration idleTimeout, Duration requestTimeout, int maxLogFollowers,
                           ServerIdentity tls) {
        public Settings(InetAddress bind, int port, Duration idleTimeout, Duration requestTimeout, int maxLogFollowers) {
            this(bind, port, idleTimeout, requestTimeout, maxLogFollowers, null);
        }
    }

    private final Vertx vertx;
    private final Router router;
    private final HttpServer server;
    private final LogFollower follower;
    private final IdleConnections idle;
    private final RequestGuard guard;
    private final long requestTimeoutMillis;
    private final InetAddress bind;
    private final boolean tls;
    private volatile boolean ready;
    private volatile Function<String, Set<String>> allowedMethods = p -> Set.of();

    private HttpFront(Settings settings, RequestGuard guard, LogFollower.Source logs) {
        this.guard = guard;
        this.bind = settings.bind();
        this.tls = settings.tls() != null;
        this.requestTimeoutMillis = Math.max(1, settings.requestTimeout().toMillis());
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(16)
                // no .vertx cache folder in the working directory: the daemon serves no classpath files through Vert.x
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false)));
        this.router = Router.router(vertx);
        this.follower = new LogFollower(vertx, logs, settings.maxLogFollowers());
        this.idle = new IdleConnections(vertx, settings.idleTimeout());
        router.route().order(-1000).handler(this::front);
        router.get("/api/builds/:id/log").order(-900).handler(ctx -> {
            if ("1".equals(ctx.queryParams().get("follow")) && ctx.get(WAS_HEAD) == null) follower.handle(ctx);
            else ctx.next();
        });
        router.route().order(-1000).failureHandler(this::failed);
        for (int status : new int[] {404, 405, 406, 415}) router.errorHandler(status, this::failed);
        // HTTP/1.1 only: with h2c on, Vert.x knows a connection only once its first request head is complete,
        // and the idle timer must run from the moment a client connects
        this.server = vertx.createHttpServer(options(settings.tls()))
                .connectionHandler(idle::opened)
                .requestHandler(request -> {
                    // Host first: Vert.x Web fails an HTTP/1.1 request without one as a server error
                    try {
                        guard.host(request.headers().getAll("Host"));
                    } catch (RuntimeException e) {
                        send(request.response(), ApiErrors.of(e), null);
                        return;
                    }
                    // bodies are JSON whatever the type says (curl -d sends a form type); set before the router reads it
                    String type = request.getHeader("Content-Type");
                    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
                        request.headers().set("Content-Type", "application/json");
                    }
                    router.handle(request);
                });
    }

    /** HTTP/1.1, uncompressed; with TLS (no ALPN, so HTTP/1.1 there too) when given a key and certificate. */
    private static HttpServerOptions options(ServerIdentity tls) {
        HttpServerOptions o = new HttpServerOptions().setCompressionSupported(false).setHttp2ClearTextEnabled(false);
        if (tls != null) {
            // the key store lives in memory only, under a password of this process
            char[] password = ServerIdentity.randomPassword();
            o.setSsl(true).setUseAlpn(false)
                    .setKeyCertOptions(new PfxOptions().setValue(Buffer.buffer(tls.pkcs12(password))).setPassword(new String(password)));
        }
        return o;
    }

    /** Starts listening; requests get 503 until {@link #ready} (Camel adds the routes in between). */
    public static HttpFront start(Settings settings, RequestGuard guard, LogFollower.Source logs) throws Exception {
        HttpFront front = new HttpFront(settings, guard, logs);
        try {
            front.server.listen(settings.port(), settings.bind().getHostAddress()).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            front.close();
            throw e;
        }
        return front;
    }

    public int port() { return server.actualPort(); }

    /**
     * {@code HOST:PORT} of this server as its own settings give it, never as a request names it (the OpenAPI
     * document's server): the bind address, or the host's name when bound to every address.
     */
    public String authority() {
        String host;
        if (bind.isAnyLocalAddress()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        } else {
            host = HostAllowList.literal(bind);
        }
        return host + ":" + port();
    }

    /** {@code https} or {@code http}. */
    public String scheme() { return tls ? "https" : "http"; }

    public LogFollower follower() { return follower; }

    /** Connections open now. */
    public int connections() { return idle.open(); }

    /**
     * What Camel's platform-http needs to put its routes on this server: the router under the name
     * platform-http looks up for this port, and an engine that names this port.
     */
    public Map<String, Object> camelBeans() {
        int port = port();
        String name = VertxPlatformHttpRouter.getRouterNameFromPort(port);
        VertxPlatformHttpRouter camelRouter = new VertxPlatformHttpRouter(null, vertx, router, name) {
            @Override
            public Handler<RoutingContext> bodyHandler() {
                BodyHandler bodies = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
                return ctx -> {
                    ctx.request().resume();
                    bodies.handle(ctx);
                };
            }
        };
        VertxPlatformHttpEngine engine = new VertxPlatformHttpEngine() {
            @Override
            public int getServerPort() { return port; }
        };
        return Map.of(name, camelRouter, "platform-http-engine", engine);
    }

    /** The routes are in place: answer requests. {@code allowed} gives a path's methods, for 405's Allow header. */
    public void ready(Function<String, Set<String>> allowed) {
        this.allowedMethods = allowed;
        this.ready = true;
    }

    private void front(RoutingContext ctx) {
        if (ctx.get(SEEN) == null) {
            ctx.put(SEEN, true);
            idle.requestStarted(ctx.request().connection());
            long timer = vertx.setTimer(requestTimeoutMillis, t -> {
                if (!ctx.response().headWritten() && !ctx.response().ended()) ctx.fail(HttpError.unavailable("no answer within the request timeout; try again"));
            });
            ctx.addEndHandler(v -> {
                vertx.cancelTimer(timer);
                idle.requestEnded(ctx.request().connection());
            });
            ctx.request().headers().remove(HEAD_HEADER);
            // nor does a query parameter stand in for a request header the routes read (Camel puts both on the message)
            for (String name : List.copyOf(ctx.queryParams().names())) {
                if (ResponseHeaders.READ.contains(name.toLowerCase(Locale.ROOT))) ctx.queryParams().remove(name);
            }
            if (!ready) {
                ctx.fail(HttpError.unavailable("the daemon is starting"));
                return;
            }
            try {
                guard.check(ctx.request().method().name(), ctx.request().path(), ctx.request().getHeader("Host"),
                        remote(ctx), ctx.request().getHeader("Authorization"));
            } catch (RuntimeException e) {
                ctx.fail(e);
                return;
            }
            if (ctx.request().method() == HttpMethod.HEAD) {
                // every read answers HEAD: served by its GET route; Vert.x drops the body of a HEAD response
                ctx.put(WAS_HEAD, true);
                ctx.request().headers().set(HEAD_HEADER, "1");
                ctx.reroute(HttpMethod.GET, ctx.request().uri());
                return;
            }
        }
        // after a reroute too: the response headers were reset
        ctx.addHeadersEndHandler(v -> {
            lengthOrChunks(ctx.response());
            SecurityHeaders.apply(ctx.response().headers());
        });
        ctx.next();
    }

    /**
     * Camel's writer marks every streamed body chunked, even when the route set its length: a response that
     * carries a Content-Length is sent with it (HTTP forbids both).
     */
    private static void lengthOrChunks(HttpServerResponse response) {
        if (response.headers().contains("Content-Length") && response.headers().contains("Transfer-Encoding")) {
            response.headers().remove("Transfer-Encoding");
        }
    }

    private void failed(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        ApiErrors.Reply r = ctx.failure() != null ? ApiErrors.of(ctx.failure())
                : ApiErrors.ofStatus(ctx.statusCode(), method(ctx), ctx.request().path());
        if (response.headWritten()) { // a stream that failed half way: all we can do is cut it
            response.reset();
            return;
        }
        send(response, r, r.status() == 405 ? String.join(", ", allowedMethods.apply(ctx.request().path())) : null);
    }

    /** An error answer: its status, its headers ({@code allow} for a 405), one line of JSON. */
    private static void send(HttpServerResponse response, ApiErrors.Reply r, String allow) {
        response.headers().clear();
        response.setStatusCode(r.status());
        r.headers().forEach(response::putHeader);
        if (allow != null) response.putHeader("Allow", allow);
        response.putHeader("Content-Type", "application/json");
        SecurityHeaders.apply(response.headers());
        byte[] body = r.body();
        response.putHeader("Content-Length", Integer.toString(body.length));
        response.end(Buffer.buffer(body));
    }

    private static String method(RoutingContext ctx) {
        return ctx.get(WAS_HEAD) != null ? "HEAD" : ctx.request().method().name();
    }

    private static InetAddress remote(RoutingContext ctx) {
        try {
            return ctx.request().remoteAddress() == null ? null : InetAddress.getByName(ctx.request().remoteAddress().hostAddress());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            if (server != null) server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing the HTTP server: {}", e.toString());
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing Vert.x: {}", e.toString());
        }
    }
}
