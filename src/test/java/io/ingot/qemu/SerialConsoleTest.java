package io.ingot.qemu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console client against a unix socket standing in for QEMU's chardev: what reaches the guest, what comes back, how it ends. */
@Timeout(30)
class SerialConsoleTest {
    @TempDir
    Path dir;
    private ServerSocketChannel server;

    private Path listen() throws IOException {
        Path socket = dir.resolve("c.tty");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return socket;
    }

    @AfterEach
    void close() throws IOException {
        if (server != null) server.close();
    }

    /** The "guest": reads what the console sends until the client goes, answering each byte read with {@code answer}. */
    private CompletableFuture<String> guest(String answer) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (SocketChannel ch = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(256);
                while (ch.read(buf) >= 0) {
                    got.write(buf.array(), 0, buf.position());
                    buf.clear();
                    ch.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
                }
            } catch (IOException e) {
                // the client went
            }
            return got.toString(StandardCharsets.UTF_8);
        });
    }

    @Test
    void ctrlRightBracketDetachesAndWhatWasTypedBeforeItReachesTheGuest() throws Exception {
        Path socket = listen();
        CompletableFuture<String> guest = guest("");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SerialConsole console = SerialConsole.attach(socket, dir.resolve("lock"))) {
            SerialConsole.End end = console.copy(new ByteArrayInputStream("ls\r\u001dnot this".getBytes(StandardCharsets.UTF_8)), out);
            assertEquals(SerialConsole.End.DETACHED, end);
        }
        assertEquals("ls\r", guest.get(5, TimeUnit.SECONDS), "the guest got the keys before Ctrl-], not it nor what followed");
    }

    @Test
    void pipedInputEndsTheSessionAfterTheGuestsAnswerShows() throws Exception {
        Path socket = listen();
        CompletableFuture<String> guest = guest("Password: ");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (SerialConsole console = SerialConsole.attach(socket, dir.resolve("lock"))) {
            assertEquals(SerialConsole.End.INPUT_ENDED,
                    console.copy(new ByteArrayInputStream("root\n".getBytes(StandardCharsets.UTF_8)), out));
        }
        assertEquals("root\n", guest.get(5, TimeUnit.SECONDS));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Password: "), "the answer to the piped line shows: " + out);
    }

    @Test
    void theSessionEndsWhenQemuClosesTheSocket() throws Exception {
        Path socket = listen();
        CompletableFuture<Void> qemu = CompletableFuture.runAsync(() -> {
            try (SocketChannel ch = server.accept()) {
                ch.write(ByteBuffer.wrap("reboot: Power down\r\n".getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PipedOutputStream keys = new PipedOutputStream(); PipedInputStream in = new PipedInputStream(keys);
             SerialConsole console = SerialConsole.attach(socket, dir.resolve("lock"))) {
            assertEquals(SerialConsole.End.CLOSED, console.copy(in, out), "no key pressed, the console ends with its VM");
        }
        qemu.get(5, TimeUnit.SECONDS);
        assertEquals("reboot: Power down\r\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aSecondClientIsRefusedWhileTheFirstIsAttachedAndWelcomeAfterwards() throws Exception {
        Path socket = listen();
        Path lock = dir.resolve("lock");
        try (SerialConsole first = SerialConsole.attach(socket, lock)) {
            assertThrows(SerialConsole.Busy.class, () -> SerialConsole.attach(socket, lock).close());
        }
        SerialConsole.attach(socket, lock).close();
    }

    @Test
    void noConsoleSocketIsAnIoError() {
        IOException e = assertThrows(IOException.class, () -> SerialConsole.attach(dir.resolve("gone.tty"), dir.resolve("lock")));
        assertTrue(!(e instanceof SerialConsole.Busy), e.toString());
    }

    @Test
    void detachFindsCtrlRightBracketOnlyAmongTheBytesRead() {
        byte[] b = {'a', 'b', 0x1d, 'c'};
        assertEquals(2, SerialConsole.detachAt(b, 4));
        assertEquals(-1, SerialConsole.detachAt(b, 2), "a Ctrl-] left in the buffer from an earlier read does not count");
        assertEquals(-1, SerialConsole.detachAt(new byte[]{3, '\r', '~', '.'}, 4), "Ctrl-C and ssh's ~. go to the guest");
    }
}
