package io.ingot.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;

/** A reserved port; {@link #close()} gives it back. */
public final class PortLease implements AutoCloseable {
    private final int port;
    private final FileChannel channel;
    private final FileLock lock;

    PortLease(int port, FileChannel channel, FileLock lock) {
        this.port = port;
        this.channel = channel;
        this.lock = lock;
    }

    public int port() {
        return port;
    }

    public boolean isHeld() {
        return lock.isValid();
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release port " + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PortLease[" + port + "]";
    }
}
