package io.ingot.guest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The banner probe against loopback servers that act as a guest behind QEMU's user network does. */
class BannerProbeTest {

    /** Accepts every connection; the n-th (from 1) gets {@code answer}'s treatment. */
    private interface Answer {
        void to(Socket s, int n) throws IOException;
    }

    private static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final List<Socket> held = new ArrayList<>();
        final AtomicInteger accepted = new AtomicInteger();
        final Thread thread;

        Server(Answer answer) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        synchronized (held) { held.add(s); }
                        answer.to(s, accepted.incrementAndGet());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (held) { for (Socket s : held) s.close(); }
        }
    }

    private static void banner(Socket s) throws IOException {
        s.getOutputStream().write("SSH-2.0-test\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    @Test
    void aServerThatSendsItsBannerIsFound() throws Exception {
        try (Server server = new Server((s, n) -> banner(s));
             BannerProbe probe = new BannerProbe("127.0.0.1", server.socket.getLocalPort())) {
            assertNull(probe.await(Duration.ofSeconds(5), Duration.ofSeconds(5)));
        }
    }

    @Test
    void aConnectionClosedBeforeTheBannerSaysSo() throws Exception {
        try (Server server = new Server((s, n) -> s.close());
             BannerProbe probe = new BannerProbe("127.0.0.1", server.socket.getLocalPort())) {
            assertEquals(BannerProbe.CLOSED_BEFORE_BANNER, probe.await(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        }
    }

    @Test
    void aSilentServerIsGivenUpAfterTheWait() throws Exception {
        try (Server server = new Server((s, n) -> { });
             BannerProbe probe = new BannerProbe("127.0.0.1", server.socket.getLocalPort())) {
            long t0 = System.nanoTime();
            String problem = probe.await(Duration.ofMillis(300), Duration.ofMillis(200));
            assertEquals("TCP connection accepted, but no SSH banner arrived within 0.2s", problem);
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(300).toNanos(), "the probe waits its step out");
        }
    }

    /**
     * A guest that only answers connections made after it came up (QEMU holds the earlier ones, whose SYN went
     * nowhere): a later connection finds it while the first still waits.
     */
    @Test
    void aLaterConnectionFindsTheServerWhileAnEarlierOneStillWaits() throws Exception {
        try (Server server = new Server((s, n) -> { if (n >= 3) banner(s); });
             BannerProbe probe = new BannerProbe("127.0.0.1", server.socket.getLocalPort())) {
            Duration wait = Duration.ofSeconds(30);
            long t0 = System.nanoTime();
            String problem = "";
            for (int i = 0; i < 5 && problem != null; i++) problem = probe.await(Duration.ofMillis(200), wait);
            assertNull(problem);
            assertEquals(3, server.accepted.get());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "found within steps, not the first connection's wait");
        }
    }

    @Test
    void noListenerIsARefusedConnection() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (BannerProbe probe = new BannerProbe("127.0.0.1", port)) {
            assertEquals("connection refused", probe.await(Duration.ofMillis(500), Duration.ofMillis(500)));
        }
    }
}
