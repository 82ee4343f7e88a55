package io.ingot.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Serves one directory (a build's rendered answer files) over HTTP on 127.0.0.1 only; a QEMU
 * guest with user-mode networking reaches it as 10.0.2.2. GET and HEAD of regular files at or
 * below the directory; no listings, no hidden files, nothing outside it (also not through
 * symlinks). Every request is logged as one line.
 */
public final class AnswerFileServer implements AutoCloseable {
    private static final Map<String, String> TYPES = Map.of(
            "json", "application/json",
            "html", "text/html; charset=utf-8",
            "xml", "application/xml");
    private static final String DEFAULT_TYPE = "text/plain; charset=utf-8";

    private final Path root;
    private final int requestedPort;
    private final Consumer<String> log;
    private HttpServer server;
    private ExecutorService executor;

    /**
     * @param directory the directory to serve
     * @param port      the port on 127.0.0.1 (0 = any free port; see {@link #port()})
     * @param log       gets one line per request: method, path, status, bytes, client
     */
    public AnswerFileServer(Path directory, int port, Consumer<String> log) {
        this.root = directory.toAbsolutePath().normalize();
        this.requestedPort = port;
        this.log = log;
    }

    public synchronized AnswerFileServer start() {
        if (server != null) throw new IllegalStateException("answer file server already started");
        if (!Files.isDirectory(root)) throw new UncheckedIOException(new IOException("answer file directory " + root + " does not exist"));
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve answer files on 127.0.0.1:" + requestedPort + ": " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "answer-files");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    /** The bound port (the real one when 0 was asked for). */
    public int port() {
        if (server == null) throw new IllegalStateException("answer file server not started");
        return server.getAddress().getPort();
    }

    /** The served directory. */
    public Path directory() {
        return root;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        URI uri = exchange.getRequestURI();
        String client = exchange.getRemoteAddress().getAddress().getHostAddress() + ":" + exchange.getRemoteAddress().getPort();
        int status;
        long bytes = 0;
        String note = "";
        try {
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                status = 405;
                sendEmpty(exchange, status);
            } else {
                Resolved resolved = resolve(uri.getPath());
                if (resolved.file == null) {
                    status = 404;
                    note = " (" + resolved.reason + ")";
                    sendEmpty(exchange, status);
                } else {
                    byte[] body = Files.readAllBytes(resolved.file);
                    status = 200;
                    exchange.getResponseHeaders().set("Content-Type", contentType(resolved.file));
                    if (method.equals("HEAD")) {
                        exchange.getResponseHeaders().set("Content-Length", Long.toString(body.length));
                        exchange.sendResponseHeaders(status, -1);
                    } else {
                        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(body);
                        }
                        bytes = body.length;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.accept("answer files: " + method + " " + uri.getRawPath() + " failed: " + e.getMessage() + " (client " + client + ")");
            throw e;
        } finally {
            exchange.close();
        }
        log.accept("answer files: " + method + " " + uri.getRawPath() + " " + status + " " + bytes + " bytes" + note + " (client " + client + ")");
    }

    private record Resolved(Path file, String reason) { }

    private Resolved resolve(String decodedPath) {
        if (decodedPath == null || decodedPath.indexOf('\0') >= 0) return new Resolved(null, "bad path");
        Path current = root;
        for (String segment : decodedPath.split("/")) {
            if (segment.isEmpty()) continue;
            // ".." and "." and hidden files all start with a dot: none is ever served
            if (segment.startsWith(".")) return new Resolved(null, "hidden or relative path segment");
            if (segment.contains("\\")) return new Resolved(null, "bad path");
            current = current.resolve(segment);
        }
        if (!current.normalize().startsWith(root)) return new Resolved(null, "outside the served directory");
        try {
            if (!Files.exists(current)) return new Resolved(null, "no such file");
            Path real = current.toRealPath();
            if (!real.startsWith(root.toRealPath())) return new Resolved(null, "symlink leads outside the served directory");
            if (!Files.isRegularFile(real)) return new Resolved(null, "not a regular file");
            return new Resolved(real, "");
        } catch (IOException e) {
            return new Resolved(null, "unreadable: " + e.getMessage());
        }
    }

    private static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, DEFAULT_TYPE);
    }

    private static void sendEmpty(HttpExchange exchange, int status) throws IOException {
        byte[] body = (status + "\n").getBytes(StandardCharsets.US_ASCII);
        exchange.getResponseHeaders().set("Content-Type", DEFAULT_TYPE);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
