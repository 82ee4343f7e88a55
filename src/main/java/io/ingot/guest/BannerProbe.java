package io.ingot.guest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Finds when a guest's SSH server first answers, with bare TCP connections that each wait a while for the server's
 * banner, a new one opened every step while older ones still wait. Behind QEMU's user network a connection is
 * accepted at once whatever the guest does; the guest's side is only tried once (a SYN into a guest without an
 * address is resent seconds later): a connection opened before the server listens says nothing, the next one
 * finds it. Staggered connections see the server within one step of it listening, where one connection at a time
 * could be seconds into its wait by then. Connections to a guest not up yet cost the guest nothing.
 */
final class BannerProbe implements AutoCloseable {
    static final String CLOSED_BEFORE_BANNER = "connection accepted but closed before the SSH banner (SSH server not running yet?)";

    private final InetSocketAddress address;
    private final Selector selector;
    /** Each open connection and when it is given up (System.nanoTime). */
    private final Map<SocketChannel, Long> open = new HashMap<>();

    BannerProbe(String host, int port) throws IOException {
        this.address = new InetSocketAddress(host, port);
        this.selector = Selector.open();
    }

    /**
     * Opens one more connection, which waits up to {@code wait} for a banner, then waits up to {@code step} for a
     * banner on any open connection. Returns null once one arrives, else what the connections saw.
     */
    String await(Duration step, Duration wait) throws IOException {
        long now = System.nanoTime();
        String problem = null;
        try {
            SocketChannel c = SocketChannel.open();
            c.configureBlocking(false);
            boolean connected = c.connect(address);
            c.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
            open.put(c, now + wait.toNanos());
        } catch (IOException e) {
            problem = e instanceof ConnectException ? "connection refused" : "cannot connect: " + e.getMessage();
        }
        long end = now + step.toNanos();
        ByteBuffer prefix = ByteBuffer.allocate(4);
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) break;
            selector.select(Math.max(1, left / 1_000_000));
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                SocketChannel c = (SocketChannel) key.channel();
                try {
                    if (key.isConnectable()) {
                        c.finishConnect();
                        key.interestOps(SelectionKey.OP_READ);
                    } else if (key.isReadable()) {
                        prefix.clear();
                        if (c.read(prefix) > 0) {
                            // the rest each hold a connection (an sshd, once they reach the guest): not needed now
                            closeConnections();
                            return null;
                        }
                        problem = CLOSED_BEFORE_BANNER;
                        drop(c);
                    }
                } catch (ConnectException e) {
                    problem = "connection refused";
                    drop(c);
                } catch (IOException e) {
                    problem = CLOSED_BEFORE_BANNER;
                    drop(c);
                }
            }
        }
        long after = System.nanoTime();
        for (Iterator<Map.Entry<SocketChannel, Long>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<SocketChannel, Long> e = it.next();
            if (after - e.getValue() < 0) continue;
            it.remove();
            closeQuietly(e.getKey());
            if (problem == null) problem = "TCP connection accepted, but no SSH banner arrived within " + SshConnector.human(wait);
        }
        // nothing concluded within the step: the connections still wait, as the last ones did
        return problem != null ? problem : "TCP connection accepted, but no SSH banner arrived within " + SshConnector.human(wait);
    }

    private void drop(SocketChannel c) {
        open.remove(c);
        closeQuietly(c);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // a probe connection: nothing to save
        }
    }

    private void closeConnections() {
        for (SocketChannel c : open.keySet()) closeQuietly(c);
        open.clear();
    }

    @Override
    public void close() {
        closeConnections();
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing was registered that needs it
        }
    }
}
