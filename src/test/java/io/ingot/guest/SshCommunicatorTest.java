package io.ingot.guest;

import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a real SSH server (MINA SshServer running /bin/sh -c on this machine). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SshCommunicatorTest {
    @TempDir Path tmp;

    private final BuildKey hostKey = BuildKey.generate();
    private final BuildKey buildKey = BuildKey.generate();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private PortLease port;

    @BeforeEach
    void reservePort() {
        port = new PortAllocator(tmp.resolve("ports")).allocate();
        toClose.add(port);
    }

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) c.close();
    }

    private TestSshServer server(BuildKey authorized) throws IOException {
        TestSshServer server = new TestSshServer(hostKey, authorized.keyPair().getPublic(), port.port());
        toClose.add(server);
        return server;
    }

    private SshCommunicator connect(Duration timeout) {
        SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", port.port(), "root", buildKey.keyPair(), timeout);
        toClose.add(ssh);
        return ssh;
    }

    private SshCommunicator connected() throws IOException {
        server(buildKey).start();
        return connect(Duration.ofSeconds(10));
    }

    @Test
    void connectWaitsForAServerThatStartsLaterAndRecordsItsHostKey() throws Exception {
        TestSshServer server = server(buildKey);
        CompletableFuture<Void> lateStart = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(1500);
                server.start();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long start = System.nanoTime();
        SshCommunicator ssh = connect(Duration.ofSeconds(20));
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        lateStart.get();

        assertTrue(waitedMs >= 1400, "connect returned after " + waitedMs + " ms, before the server was up");
        assertEquals("hello\n", ssh.run("echo hello"));
        assertTrue(ssh.serverVersion().startsWith("SSH-2.0-"), ssh.serverVersion());

        // same fingerprint as OpenSSH's ssh-keygen -l prints for the host key
        Path hostKeyFile = tmp.resolve("host_key");
        hostKey.writePrivateKey(hostKeyFile);
        String keygen = Tools.run("ssh-keygen", "-l", "-f", hostKeyFile.toString());
        assertEquals(keygen.split(" ")[1], ssh.hostKeyFingerprint());
        assertTrue(ssh.hostKeyFingerprint().startsWith("SHA256:"));
    }

    @Test
    void aResumedGuestWhoseFirstConnectionGoesUnansweredIsReachedByTheProbesAfterIt() throws Exception {
        // QEMU's user network accepts at once and drops the SYN it held when the guest took over a second to
        // announce its address: the first attempt hears nothing, gives up after its budget, and probing goes on
        ServerSocket silent = new ServerSocket(port.port(), 50, InetAddress.getLoopbackAddress());
        List<Socket> held = Collections.synchronizedList(new ArrayList<>());
        Thread acceptor = new Thread(() -> {
            try {
                held.add(silent.accept());
            } catch (IOException closed) {
                // the real server takes the port
            }
        });
        acceptor.start();
        TestSshServer server = server(buildKey);
        CompletableFuture<Void> guestUp = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(1000);
                silent.close();
                acceptor.join();
                server.start();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long start = System.nanoTime();
        SshCommunicator ssh = SshCommunicator.connect(SshLogin.of("127.0.0.1", port.port(), "root", buildKey.keyPair(), Duration.ofSeconds(20))
                .first(SshLogin.FirstAttempt.RESUMED));
        toClose.add(ssh);
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        guestUp.get();
        for (Socket s : held) s.close();
        assertEquals(1, held.size(), "the first attempt connected (and heard nothing)");
        assertEquals("hello\n", ssh.run("echo hello"));
        assertTrue(waitedMs >= 2000 && waitedMs < 15_000, "logged in after " + waitedMs + " ms");
    }

    @Test
    void aResumedGuestThatAnswersIsLoggedIntoWithTheFirstConnection() throws Exception {
        server(buildKey).start();
        try (SshCommunicator ssh = SshCommunicator.connect(SshLogin.of("127.0.0.1", port.port(), "root", buildKey.keyPair(), Duration.ofSeconds(10))
                .first(SshLogin.FirstAttempt.RESUMED))) {
            assertEquals("hello\n", ssh.run("echo hello"));
        }
    }

    @Test
    void timeoutSaysConnectionRefusedWhenNothingListens() {
        long start = System.nanoTime();
        SshNotReady e = assertThrows(SshNotReady.class, () -> connect(Duration.ofSeconds(2)));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertTrue(e.getMessage().startsWith("SSH to 127.0.0.1:" + port.port() + " as root did not answer within 2s: connection refused (last at "),
                e.getMessage());
        assertEquals("connection refused", e.lastProblem());
        assertTrue(tookMs < 5000, "took " + tookMs + " ms for a 2 s timeout");
    }

    @Test
    void timeoutSaysAuthenticationRefusedWhenTheKeyIsNotAuthorized() throws IOException {
        server(BuildKey.generate()).start();
        SshNotReady e = assertThrows(SshNotReady.class, () -> connect(Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("did not answer within 2s: authentication with the build key was refused"), e.getMessage());
    }

    @Test
    void timeoutSaysConnectionClosedBeforeBanner() throws Exception {
        // what QEMU's user-mode port forward does while nothing listens in the guest: accept, then close
        try (FakeServer fake = new FakeServer(port, null)) {
            SshNotReady e = assertThrows(SshNotReady.class, () -> connect(Duration.ofSeconds(2)));
            assertTrue(e.lastProblem().contains("closed before the SSH banner"), e.getMessage());
        }
    }

    @Test
    void timeoutSaysResetDuringKeyExchangeWhenTheServerHangsUpAfterItsBanner() throws Exception {
        try (FakeServer fake = new FakeServer(port, "SSH-2.0-dropbear_fake\r\n")) {
            SshNotReady e = assertThrows(SshNotReady.class, () -> connect(Duration.ofSeconds(2)));
            assertTrue(e.lastProblem().contains("key exchange with SSH-2.0-dropbear_fake"), e.getMessage());
        }
    }

    @Test
    void giveUpStopsTheWaitWithItsReason() {
        SshNotReady e = assertThrows(SshNotReady.class, () -> SshCommunicator.connect(SshLogin.of("127.0.0.1", port.port(), "root",
                buildKey.keyPair(), Duration.ofMinutes(5)).reporting(line -> { }, () -> "QEMU exited with status 1")));
        assertTrue(e.getMessage().contains("because QEMU exited with status 1; last seen: connection refused"), e.getMessage());
    }

    @Test
    void execStreamsLinesAsTheyArriveAndReturnsTheExitStatus() throws IOException {
        SshCommunicator ssh = connected();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        ExecResult result = ssh.exec("echo one; echo two; printf 'three\\r\\nfour\\n'; sleep 2; echo late; echo oops >&2; printf 'no newline'; exit 3",
                Map.of(), Duration.ofSeconds(20), line -> {
                    lines.add(line);
                    arrivals.add((System.nanoTime() - start) / 1_000_000);
                });

        assertEquals(3, result.exitStatus());
        assertFalse(result.success());
        assertEquals(List.of("one", "two", "three", "four", "late", "no newline"), lines.stream().filter(l -> !l.equals("oops")).toList());
        assertTrue(lines.contains("oops"), "stderr line missing: " + lines);
        assertTrue(arrivals.get(0) < 1500, "first line came only after " + arrivals.get(0) + " ms: not streamed");
        assertTrue(result.elapsed().toMillis() >= 2000);
    }

    @Test
    void envVariablesArriveQuotedSafely() throws IOException {
        SshCommunicator ssh = connected();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GREETING", "it's a \"test\" with $HOME and `date` and \\n");
        env.put("EMPTY", "");
        List<String> lines = new ArrayList<>();
        ExecResult result = ssh.exec("printf '%s|%s|\\n' \"$GREETING\" \"$EMPTY\"", env, Duration.ofSeconds(10), lines::add);
        assertEquals(0, result.exitStatus());
        assertEquals(List.of("it's a \"test\" with $HOME and `date` and \\n||"), lines);
    }

    @Test
    void badEnvironmentNameIsRefusedBeforeRunning() throws IOException {
        SshCommunicator ssh = connected();
        assertThrows(io.ingot.util.UserError.class,
                () -> ssh.exec("true", Map.of("A; rm -rf /", "x"), Duration.ofSeconds(5), l -> { }));
    }

    @Test
    void uploadWritesTheExactBytesWithTheModeAndCreatesDirectories() throws IOException {
        SshCommunicator ssh = connected();
        byte[] content = new byte[300_000];
        new Random(42).nextBytes(content);
        Path remote = tmp.resolve("guest/etc/deep dir/it's.bin");
        ssh.upload(content, remote.toString(), "0750");
        assertArrayEquals(content, Files.readAllBytes(remote));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote)));

        Path local = tmp.resolve("script.sh");
        Files.writeString(local, "#!/bin/sh\necho from script\n");
        Path remoteScript = tmp.resolve("guest/tmp/script.sh");
        ssh.upload(local, remoteScript.toString(), "0700");
        assertEquals("from script\n", ssh.run(remoteScript.toString()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(remoteScript)));

        ssh.upload(new byte[0], tmp.resolve("guest/empty").toString(), "0644");
        assertEquals(0, Files.size(tmp.resolve("guest/empty")));
    }

    @Test
    void uploadFolderCopiesTheTreeWithExecutableBitsAndEmptyFolders() throws IOException {
        SshCommunicator ssh = connected();
        Path local = Files.createDirectories(tmp.resolve("tree"));
        Files.createDirectories(local.resolve("bin"));
        Files.createDirectories(local.resolve("empty dir"));
        Files.createDirectories(local.resolve("etc/deep"));
        Files.writeString(local.resolve("bin/tool"), "#!/bin/sh\necho tool ran\n");
        Files.setPosixFilePermissions(local.resolve("bin/tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(local.resolve("etc/deep/it's.conf"), "key=value\n");
        Path remote = tmp.resolve("guest/opt/app");

        assertEquals(2, ssh.uploadFolder(local, remote + "/"));
        assertEquals("tool ran\n", ssh.run(remote.resolve("bin/tool").toString()));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve("bin/tool"))));
        assertEquals("key=value\n", Files.readString(remote.resolve("etc/deep/it's.conf")));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve("etc/deep/it's.conf"))));
        assertTrue(Files.isDirectory(remote.resolve("empty dir")));

        Files.createSymbolicLink(local.resolve("etc/passwd"), Path.of("/etc/passwd"));
        GuestException e = assertThrows(GuestException.class, () -> ssh.uploadFolder(local, tmp.resolve("guest/second").toString()));
        assertTrue(e.getMessage().contains("etc/passwd is a symbolic link or special file"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("guest/second")), "nothing is copied when the folder holds a link");
    }

    @Test
    void uploadIntoAnUnwritablePlaceFailsWithTheGuestsError() throws IOException {
        SshCommunicator ssh = connected();
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        CommandFailed e = assertThrows(CommandFailed.class,
                () -> ssh.upload("data".getBytes(), file + "/below/it", "0644"));
        assertTrue(e.getMessage().contains("upload of 4 bytes to " + file + "/below/it"), e.getMessage());
        // the guest's stderr is in the message
        assertTrue(e.getMessage().contains("failed with exit status 1: mkdir"), e.getMessage());
        assertTrue(e.getMessage().contains("Not a directory"), e.getMessage());
    }

    @Test
    void runReturnsStdoutAndThrowsWithStderrOnFailure() throws IOException {
        SshCommunicator ssh = connected();
        assertEquals("a\nb\n", ssh.run("echo a; echo b; echo noise >&2"));
        CommandFailed e = assertThrows(CommandFailed.class, () -> ssh.run("echo partial; echo 'disk full' >&2; exit 4"));
        assertEquals(4, e.exitStatus());
        assertTrue(e.getMessage().contains("exited with status 4: disk full"), e.getMessage());
    }

    @Test
    void commandThatReadsStdinDoesNotHang() throws IOException {
        SshCommunicator ssh = connected();
        assertEquals("", ssh.run("cat", Duration.ofSeconds(10)));
    }

    @Test
    void execTimeoutClosesTheChannelAndThrows() throws IOException {
        SshCommunicator ssh = connected();
        long start = System.nanoTime();
        CommandTimeout e = assertThrows(CommandTimeout.class,
                () -> ssh.exec("sleep 30", Map.of(), Duration.ofSeconds(1), l -> { }));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5000);
        assertTrue(e.getMessage().contains("`sleep 30`") && e.getMessage().contains("within 1s"), e.getMessage());
        // the session is still usable afterwards
        assertEquals("still here\n", ssh.run("echo still here"));
    }

    @Test
    void droppedConnectionIsReportedAsDisconnected() throws Exception {
        TestSshServer server = server(buildKey).start();
        SshCommunicator ssh = connect(Duration.ofSeconds(10));
        CompletableFuture<Void> reboot = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(700);
                server.kill();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Disconnected e = assertThrows(Disconnected.class,
                () -> ssh.exec("sleep 20", Map.of(), Duration.ofSeconds(15), l -> { }));
        reboot.get();
        assertTrue(e.getMessage().contains("dropped while running `sleep 20`"), e.getMessage());
        assertTrue(ssh.awaitDisconnect(Duration.ofSeconds(5)));
        assertThrows(Disconnected.class, () -> ssh.run("true"));
    }

    @Test
    void probeSaysWhetherTheKeyGetsIn() throws IOException {
        TestSshServer server = server(buildKey).start();
        assertTrue(SshCommunicator.probe("127.0.0.1", port.port(), "root", buildKey.keyPair(), Duration.ofSeconds(5)));
        // sealing removes the build key: it must be refused from then on
        server.authorize(BuildKey.generate().keyPair().getPublic());
        assertFalse(SshCommunicator.probe("127.0.0.1", port.port(), "root", buildKey.keyPair(), Duration.ofSeconds(5)));
    }

    @Test
    void probeIsFalseWhenNothingListens() {
        assertFalse(SshCommunicator.probe("127.0.0.1", port.port(), "root", buildKey.keyPair(), Duration.ofSeconds(2)));
    }

    /** Accepts TCP connections, optionally writes a banner, then hangs up. */
    private static final class FakeServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;

        FakeServer(PortLease port, String banner) throws IOException {
            socket = new ServerSocket(port.port(), 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        if (banner != null) {
                            OutputStream out = s.getOutputStream();
                            out.write(banner.getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            InputStream in = s.getInputStream();
                            in.read(new byte[256]); // the client's banner, then hang up
                        }
                    } catch (IOException ignored) {
                        // closed
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(2000);
        }
    }
}
