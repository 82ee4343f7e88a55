package io.ingot.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Bare TCP connections that wait for an SSH server's banner, overlapping: each {@link #await} opens one more
 * (at most {@link #MAX_OPEN} at a time) and waits on all of them. A probe is kept until its banner comes, its
 * peer closes it, or it is {@link #MAX_AGE} old: QEMU's user network accepts a forwarded connection before the
 * guest can take it (a SYN sent into a guest without an address is only resent a second later, so a fresh
 * connection finds a guest that just came up sooner), while a connection that did reach the guest must not be
 * dropped before the banner: OpenSSH forks and re-executes itself for every connection, which under emulation
 * takes longer than a short probe would wait, and each dropped probe would cost the guest that again.
 */
final class BannerProbes implements AutoCloseable {
    static final int MAX_OPEN = 4;
    static final Duration MAX_AGE = Duration.ofSeconds(3);

    /** Why the last wait ended without a banner. */
    enum Outcome { BANNER, CLOSED, REFUSED, TIMEOUT }

    private record Probe(SocketChannel channel, long openedAt) { }

    private final InetSocketAddress address;
    private final Selector selector;
    private final List<Probe> open = new ArrayList<>();
    private IOException connectError;

    private BannerProbes(InetSocketAddress address, Selector selector) {
        this.address = address;
        this.selector = selector;
    }

    static BannerProbes open(String host, int port) {
        try {
            return new BannerProbes(new InetSocketAddress(host, port), Selector.open());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for SSH probes: " + e.getMessage(), e);
        }
    }

    /** Opens a probe if fewer than MAX_OPEN are open, then waits up to {@code wait} for a banner from any. */
    Outcome await(Duration wait) throws IOException {
        long now = System.nanoTime();
        for (Probe p : List.copyOf(open)) if (now - p.openedAt() > MAX_AGE.toNanos()) drop(p);
        if (open.size() < MAX_OPEN) openProbe();
        long deadline = now + wait.toNanos();
        boolean closed = false;
        boolean refused = false;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) return refused ? Outcome.REFUSED : closed ? Outcome.CLOSED : Outcome.TIMEOUT;
            if (selector.select(left) == 0) continue;
            for (SelectionKey key : List.copyOf(selector.selectedKeys())) {
                selector.selectedKeys().remove(key);
                Probe p = (Probe) key.attachment();
                try {
                    if (key.isConnectable()) {
                        try {
                            p.channel().finishConnect();
                        } catch (IOException e) {
                            connectError = e;
                            drop(p);
                            refused = true;
                            continue;
                        }
                        key.interestOps(SelectionKey.OP_READ);
                    } else if (key.isReadable()) {
                        int n = p.channel().read(ByteBuffer.allocate(64));
                        if (n > 0) return Outcome.BANNER;
                        if (n < 0) {
                            drop(p);
                            closed = true;
                        }
                    }
                } catch (IOException refusedOrReset) {
                    drop(p);
                    closed = true;
                }
            }
            if (open.isEmpty()) return refused ? Outcome.REFUSED : Outcome.CLOSED;
        }
    }

    /** Why the last probe that could not connect failed (for {@link Outcome#REFUSED}). */
    IOException connectError() { return connectError; }

    private void openProbe() throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.configureBlocking(false);
            Probe p = new Probe(ch, System.nanoTime());
            boolean connected = ch.connect(address);
            ch.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, p);
            open.add(p);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private void drop(Probe p) {
        open.remove(p);
        try {
            p.channel().close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        for (Probe p : List.copyOf(open)) drop(p);
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
