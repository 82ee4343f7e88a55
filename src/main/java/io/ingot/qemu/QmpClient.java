package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.util.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A QMP connection over QEMU's unix socket. One command at a time (calls are serialised);
 * asynchronous events are kept until {@link #awaitEvent} takes them.
 */
public final class QmpClient implements Qmp, AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_EVENTS = 1000;
    private static final JsonNode DISCONNECTED = Json.MAPPER.createObjectNode().put("disconnected", true);

    private final ObjectMapper json = Json.MAPPER;
    private final SocketChannel channel;
    private final BufferedReader reader;
    private final JsonNode greeting;
    private final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
    private final LinkedList<JsonNode> events = new LinkedList<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread readerThread;
    private volatile boolean connected = true;

    private QmpClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        String first = reader.readLine();
        if (first == null) throw new IOException("QMP socket closed before the greeting");
        this.greeting = json.readTree(first);
        if (!greeting.has("QMP")) throw new IOException("not a QMP greeting: " + first);
        this.readerThread = new Thread(this::readLoop, "qmp-reader");
        readerThread.setDaemon(true);
        readerThread.start();
    }

    /** Connects, reads the greeting and leaves capabilities negotiation mode. */
    public static QmpClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            QmpClient client = new QmpClient(ch);
            client.execute("qmp_capabilities");
            return client;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The greeting, e.g. {@code {"QMP":{"version":{"qemu":{"major":7,...}}}}}. */
    public JsonNode greeting() {
        return greeting;
    }

    public boolean isConnected() {
        return connected;
    }

    public JsonNode execute(String command) {
        return execute(command, Map.of(), DEFAULT_TIMEOUT);
    }

    public JsonNode execute(String command, Map<String, ?> arguments) {
        return execute(command, arguments, DEFAULT_TIMEOUT);
    }

    /** Runs one command and returns its {@code return} value; QMP errors become {@link QmpException}. */
    public synchronized JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
        if (!connected) throw new QmpException(command, "Disconnected", "QMP connection is closed");
        String id = "ingot-" + ids.incrementAndGet();
        ObjectNode msg = json.createObjectNode().put("execute", command).put("id", id);
        if (arguments != null && !arguments.isEmpty()) msg.set("arguments", json.valueToTree(arguments));
        try {
            byte[] bytes = (json.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) channel.write(buf);
        } catch (IOException e) {
            throw new QmpException(command, "Disconnected", e.getMessage());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode reply = left > 0 ? replies.poll(left, TimeUnit.NANOSECONDS) : null;
                if (reply == null) throw new QmpException(command, "Timeout", "no reply within " + timeout.toMillis() + "ms");
                if (reply == DISCONNECTED) {
                    replies.offer(DISCONNECTED); // later callers must see it too
                    throw new QmpException(command, "Disconnected", "QEMU closed the QMP connection");
                }
                if (!id.equals(reply.path("id").asText())) continue; // reply to an earlier command that timed out
                if (reply.has("error")) {
                    JsonNode err = reply.get("error");
                    throw new QmpException(command, err.path("class").asText("Error"), err.path("desc").asText());
                }
                return reply.path("return");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException(command, "Interrupted", "interrupted while waiting for the reply");
        }
    }

    /**
     * Takes the oldest not yet taken event named {@code name} (e.g. SHUTDOWN, STOP, RESUME, MIGRATION),
     * waiting up to {@code timeout} for it to arrive.
     */
    public Optional<JsonNode> awaitEvent(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (true) {
                for (Iterator<JsonNode> it = events.iterator(); it.hasNext(); ) {
                    JsonNode e = it.next();
                    if (name.equals(e.path("event").asText())) {
                        it.remove();
                        return Optional.of(e);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !connected) return Optional.empty();
                try {
                    TimeUnit.NANOSECONDS.timedWait(events, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
    }

    /** The events received and not yet taken, oldest first. */
    public List<JsonNode> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    /** {@code query-status}: running, paused, prelaunch, inmigrate, postmigrate, shutdown, ... */
    public String status() {
        return execute("query-status").path("status").asText();
    }

    public void stop() {
        execute("stop");
    }

    public void cont() {
        execute("cont");
    }

    /** Asks QEMU to exit; the connection closing before the reply arrives counts as done. */
    public void quit() {
        try {
            execute("quit", Map.of(), Duration.ofSeconds(5));
        } catch (QmpException e) {
            if (!"Disconnected".equals(e.errorClass())) throw e;
        }
    }

    /** ACPI power button: the guest shuts down cleanly if it listens. */
    public void systemPowerdown() {
        execute("system_powerdown");
    }

    /** Presses the keys together (e.g. shift + a), holds them {@code holdMs}, then releases them. */
    public void sendKey(List<String> qcodes, int holdMs) {
        List<Map<String, String>> keys = qcodes.stream().map(q -> Map.of("type", "qcode", "data", q)).toList();
        execute("send-key", Map.of("keys", keys, "hold-time", holdMs));
    }

    private void readLoop() {
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode msg = json.readTree(line);
                if (msg.has("event")) {
                    synchronized (events) {
                        events.add(msg);
                        if (events.size() > MAX_EVENTS) events.removeFirst();
                        events.notifyAll();
                    }
                } else {
                    replies.offer(msg);
                }
            }
        } catch (IOException e) {
            // connection closed (QEMU exited, or close() was called)
        } finally {
            connected = false;
            replies.offer(DISCONNECTED);
            synchronized (events) {
                events.notifyAll();
            }
        }
    }

    @Override
    public void close() {
        connected = false;
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
