package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.util.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * qemu-guest-agent over the host end of its virtio-serial channel (a unix socket QEMU listens on).
 * The channel carries no greeting and may hold a half-read reply from an earlier client, so every
 * connection starts with {@code guest-sync-delimited}: the agent answers after a 0xFF byte, and
 * whatever came before it is stale. One command at a time; every read is bounded by a timeout
 * (the agent may not run at all).
 */
public final class GuestAgent implements AutoCloseable {
    private final SocketChannel channel;
    private final InputStream in;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "guest-agent-reader");
        t.setDaemon(true);
        return t;
    });

    private GuestAgent(SocketChannel channel) {
        this.channel = channel;
        this.in = Channels.newInputStream(channel);
    }

    /** Connects and synchronises with the agent; fails when it does not answer within {@code timeout}. */
    public static GuestAgent connect(Path socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        GuestAgent agent = new GuestAgent(ch);
        try {
            agent.sync(timeout);
            return agent;
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /** True when an agent answers on {@code socket} within {@code timeout}. */
    public static boolean answers(Path socket, Duration timeout) {
        try (GuestAgent agent = connect(socket, timeout)) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void sync(Duration timeout) throws IOException {
        long id = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
        // a leading 0xFF makes the agent drop a partial command an earlier client left in its buffer
        write(new byte[]{(byte) 0xFF});
        send("guest-sync-delimited", Map.of("id", id));
        JsonNode reply = read(timeout, true);
        while (reply.path("return").asLong(-1) != id) reply = read(timeout, false);
    }

    /** Runs a command and returns its {@code return} value. */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) throws IOException {
        send(command, arguments);
        JsonNode reply = read(timeout, false);
        if (reply.has("error")) {
            throw new IOException("guest agent: " + command + ": " + reply.path("error").path("desc").asText());
        }
        return reply.path("return");
    }

    /** Sends a command that has no reply when it succeeds ({@code guest-shutdown}). */
    public void executeNoReply(String command, Map<String, ?> arguments) throws IOException {
        send(command, arguments);
    }

    /** Freezes the guest's file systems (their caches written out first); returns how many. */
    public int freeze(Duration timeout) throws IOException {
        return execute("guest-fsfreeze-freeze", Map.of(), timeout).asInt();
    }

    /** Thaws frozen file systems; returns how many were thawed. */
    public int thaw(Duration timeout) throws IOException {
        return execute("guest-fsfreeze-thaw", Map.of(), timeout).asInt();
    }

    /** What a command run through the agent did. */
    public record Exec(int exitCode, String stdout, String stderr) { }

    /**
     * Runs {@code path args...} in the guest with {@code env} ("NAME=value" entries) and waits for it
     * ({@code guest-exec}, then {@code guest-exec-status} until it exited): no login, no network needed.
     */
    public Exec exec(String path, List<String> args, List<String> env, Duration timeout) throws IOException {
        Map<String, Object> a = new java.util.LinkedHashMap<>();
        a.put("path", path);
        a.put("arg", args);
        a.put("env", env);
        a.put("capture-output", true);
        long pid = execute("guest-exec", a, timeout).path("pid").asLong();
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 5;
        while (true) {
            JsonNode st = execute("guest-exec-status", Map.of("pid", pid), timeout);
            if (st.path("exited").asBoolean()) {
                return new Exec(st.path("exitcode").asInt(st.has("signal") ? 128 + st.path("signal").asInt() : -1),
                        decode(st.path("out-data").asText("")), decode(st.path("err-data").asText("")));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the command run through the guest agent did not finish within " + timeout.toSeconds() + "s");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the guest agent");
            }
            pause = Math.min(pause * 2, 25); // the steps a clone waits for (onRestore) take tenths of a second
        }
    }

    private static String decode(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** The guest's IPv4 addresses other than loopback ({@code guest-network-get-interfaces}). */
    public List<String> ipv4Addresses(Duration timeout) throws IOException {
        return ipv4Addresses(execute("guest-network-get-interfaces", Map.of(), timeout));
    }

    static List<String> ipv4Addresses(JsonNode interfaces) {
        List<String> found = new java.util.ArrayList<>();
        for (JsonNode nic : interfaces) {
            for (JsonNode ip : nic.path("ip-addresses")) {
                String a = ip.path("ip-address").asText();
                if ("ipv4".equals(ip.path("ip-address-type").asText()) && !a.startsWith("127.")) found.add(a);
            }
        }
        return found;
    }

    /**
     * The guest's interfaces in one line, for a message when an address does not come: "eth0 52:54:00:12:34:56
     * 10.0.2.15/24, lo 127.0.0.1/8" ("no address" where it has none; loopback included, so an empty list says the
     * guest sees no NIC at all).
     */
    public String interfaces(Duration timeout) throws IOException {
        return interfaces(execute("guest-network-get-interfaces", Map.of(), timeout));
    }

    static String interfaces(JsonNode interfaces) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode nic : interfaces) {
            StringBuilder b = new StringBuilder(nic.path("name").asText("?"));
            if (nic.hasNonNull("hardware-address")) b.append(' ').append(nic.path("hardware-address").asText());
            List<String> ips = new java.util.ArrayList<>();
            for (JsonNode ip : nic.path("ip-addresses")) ips.add(ip.path("ip-address").asText() + "/" + ip.path("prefix").asText());
            b.append(' ').append(ips.isEmpty() ? "no address" : String.join(" ", ips));
            out.add(b.toString());
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** Asks the guest to power itself off (its init shuts down cleanly). */
    public void shutdown() throws IOException {
        executeNoReply("guest-shutdown", Map.of("mode", "powerdown"));
    }

    private void send(String command, Map<String, ?> arguments) throws IOException {
        ObjectNode msg = Json.MAPPER.createObjectNode().put("execute", command);
        if (arguments != null && !arguments.isEmpty()) msg.set("arguments", Json.MAPPER.valueToTree(arguments));
        write((Json.MAPPER.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void write(byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) channel.write(buf);
    }

    /** Reads one JSON reply line; {@code afterDelimiter} skips everything up to a 0xFF byte first. */
    private JsonNode read(Duration timeout, boolean afterDelimiter) throws IOException {
        Future<String> line = reader.submit(() -> {
            if (afterDelimiter) {
                int b;
                while ((b = in.read()) != 0xFF) if (b < 0) throw new IOException("the guest agent channel closed");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) throw new IOException("the guest agent channel closed");
                if (b != 0xFF) out.write(b);
            }
            return out.toString(StandardCharsets.UTF_8);
        });
        try {
            String text = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return text.isBlank() ? read(timeout, false) : Json.MAPPER.readTree(text);
        } catch (TimeoutException e) {
            line.cancel(true);
            close();
            throw new IOException("the guest agent did not answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the guest agent");
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        reader.shutdownNow();
    }
}
