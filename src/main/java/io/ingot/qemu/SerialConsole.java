package io.ingot.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of a VM's serial console socket ({@link QemuCommand.Builder#serialConsole}): copies what the user types
 * to the guest and what the guest prints to the user, until the user detaches (Ctrl-]), their input ends, or QEMU
 * closes the socket. QEMU serves one client per socket and leaves later ones waiting unanswered, so a lock file
 * makes a second attach fail at once instead.
 */
public final class SerialConsole implements AutoCloseable {
    /** Ctrl-], the detach key of virsh console and telnet. */
    public static final byte DETACH = 0x1d;
    /** After the input ended: the guest's answer to the last bytes sent still shows, until it is quiet this long... */
    private static final Duration QUIET = Duration.ofSeconds(2);
    /** ... or this long has passed (a guest that prints all the time). */
    private static final Duration MAX_LINGER = Duration.ofSeconds(10);

    /** Why a session ended. */
    public enum End { DETACHED, INPUT_ENDED, CLOSED }

    /** Another client holds the console. */
    public static final class Busy extends IOException {
        Busy(Path lock) { super("another client holds " + lock); }
    }

    private final SocketChannel channel;
    private final FileChannel lockFile;

    private SerialConsole(SocketChannel channel, FileChannel lockFile) {
        this.channel = channel;
        this.lockFile = lockFile;
    }

    /** Takes the console's lock ({@link Busy} when held elsewhere), then connects to its socket. */
    public static SerialConsole attach(Path socket, Path lock) throws IOException {
        FileChannel lockFile = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock held;
            try {
                held = lockFile.tryLock();
            } catch (OverlappingFileLockException e) {
                held = null; // held by this JVM
            }
            if (held == null) throw new Busy(lock);
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            return new SerialConsole(ch, lockFile); // the lock goes with the file's channel
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
    }

    /**
     * Copies both ways until the session ends and says why. Bytes typed before a Ctrl-] still reach the guest; the
     * Ctrl-] itself does not. Once {@code in} ends, the guest's output still shows for a moment (see {@link #QUIET}).
     */
    public End copy(InputStream in, OutputStream out) throws InterruptedException {
        CompletableFuture<End> end = new CompletableFuture<>();
        AtomicLong lastOutput = new AtomicLong(System.nanoTime());
        Thread toUser = daemon("serial-console-out", () -> {
            ByteBuffer buf = ByteBuffer.allocate(8192);
            try {
                while (channel.read(buf) >= 0) {
                    out.write(buf.array(), 0, buf.position());
                    out.flush();
                    buf.clear();
                    lastOutput.set(System.nanoTime());
                }
            } catch (IOException e) {
                // closed by QEMU or by this session's end
            }
            end.complete(End.CLOSED);
        });
        // a daemon: a read of the user's input cannot be interrupted, and must not keep the JVM alive
        daemon("serial-console-in", () -> {
            byte[] b = new byte[1024];
            try {
                for (int n; (n = in.read(b)) >= 0 && !end.isDone(); ) {
                    int detach = detachAt(b, n);
                    writeFully(ByteBuffer.wrap(b, 0, detach < 0 ? n : detach));
                    if (detach >= 0) {
                        end.complete(End.DETACHED);
                        return;
                    }
                }
                linger(lastOutput, end);
                end.complete(End.INPUT_ENDED);
            } catch (IOException e) {
                end.complete(End.CLOSED);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end.complete(End.INPUT_ENDED);
            }
        });
        try {
            return end.join();
        } finally {
            closeQuietly();
            toUser.join(1000); // its last bytes are out before the caller prints after them
        }
    }

    /** Where Ctrl-] is among the first {@code n} bytes of {@code b}; -1 if it is not. */
    static int detachAt(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] == DETACH) return i;
        }
        return -1;
    }

    private void writeFully(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) channel.write(buf);
    }

    private static void linger(AtomicLong lastOutput, CompletableFuture<End> end) throws InterruptedException {
        long deadline = System.nanoTime() + MAX_LINGER.toNanos();
        lastOutput.accumulateAndGet(System.nanoTime(), Math::max); // quiet counts from the end of the input
        while (!end.isDone() && System.nanoTime() < deadline && System.nanoTime() - lastOutput.get() < QUIET.toNanos()) {
            Thread.sleep(50);
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to say to QEMU
        }
    }

    /** Disconnects (QEMU then takes the next client) and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            lockFile.close();
        }
    }
}
