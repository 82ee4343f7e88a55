package io.ingot.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Hands out free loopback TCP ports (SSH forwards, answer-file servers, QMP) so parallel builds,
 * also in different JVMs, never get the same one: the kernel proposes a free port, and a lock
 * file {@code <dir>/<port>.lock} held with {@link FileChannel#tryLock()} reserves it among ingot
 * processes for the lease's lifetime. The lock dies with the process, so a crash leaks nothing.
 * Lock files are left in place: deleting them would let two processes lock different inodes.
 */
public final class PortAllocator {
    private static final int ATTEMPTS = 200;

    private final Path lockDir;

    /** @param lockDir where the per-port lock files live, e.g. {@code <state>/ports} */
    public PortAllocator(Path lockDir) {
        this.lockDir = lockDir;
    }

    /** A port that was free on 127.0.0.1 and is now reserved for the caller until {@link PortLease#close()}. */
    public PortLease allocate() {
        try {
            Files.createDirectories(lockDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create port lock directory " + lockDir + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < ATTEMPTS; i++) {
            int port = proposePort();
            PortLease lease = tryReserve(port);
            if (lease != null) return lease;
        }
        throw new IllegalStateException("no free loopback port after " + ATTEMPTS + " attempts (lock files in " + lockDir + ")");
    }

    private static int proposePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port: " + e.getMessage(), e);
        }
    }

    /** Locks {@code port} for the caller, or null when another lease (any process) holds it. */
    PortLease tryReserve(int port) {
        Path file = lockDir.resolve(port + ".lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another lease in this JVM
            }
            if (lock == null) {
                channel.close();
                return null;
            }
            // who holds it, for a person looking at the directory
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + " " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)));
            return new PortLease(port, channel, lock);
        } catch (IOException e) {
            if (channel != null) {
                try { channel.close(); } catch (IOException ignored) { /* best effort */ }
            }
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }
}
