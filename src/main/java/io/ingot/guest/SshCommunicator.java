package io.ingot.guest;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Talks to one build guest over SSH with a key (MINA SSHD client). Commands run over exec
 * channels only: no sftp, scp, env or pty requests, because the tiny guests run dropbear
 * without sftp-server or scp. One {@link SshClient} per communicator, stopped by {@link #close()}.
 * Every call has a deadline; nothing waits forever.
 */
public final class SshCommunicator implements AutoCloseable {
    /** Used by {@link #run(String)} and the uploads. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(10);

    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final int STDERR_KEPT = 4096;
    private static final Pattern MODE = Pattern.compile("[0-7]{3,4}");

    private final SshClient client;
    private final ClientSession session;
    private final String target;

    SshCommunicator(SshClient client, ClientSession session, String target) {
        this.client = client;
        this.session = session;
        this.target = target;
    }

    /** Waits up to {@code timeout} for SSH on host:port to let {@code user} in with {@code key}. */
    public static SshCommunicator connect(String host, int port, String user, KeyPair key, Duration timeout) {
        return connect(SshLogin.of(host, port, user, key, timeout));
    }

    /**
     * Waits up to the login's timeout for SSH to let it in, retrying connection and authentication.
     *
     * @throws SshNotReady when the deadline passes or the login's {@code giveUp} answers; the message says what was
     *                     last seen
     */
    public static SshCommunicator connect(SshLogin login) {
        return SshConnector.connect(login);
    }

    /** One attempt, no retry: does SSH with this key get in? (False for refused keys and unreachable hosts.) */
    public static boolean probe(String host, int port, String user, KeyPair key, Duration timeout) {
        return SshConnector.probe(host, port, user, key, timeout);
    }


    /** {@code SHA256:...} of the guest's host key, as {@code ssh-keygen -l} prints it. */
    public String hostKeyFingerprint() {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, session.getServerKey());
    }

    /** The guest's host key (accepted without checking: it is a fresh build VM). */
    public PublicKey hostKey() {
        return session.getServerKey();
    }

    /** The server's identification, e.g. {@code SSH-2.0-dropbear_2022.83}. */
    public String serverVersion() {
        return session.getServerVersion();
    }

    public boolean isConnected() {
        return session.isOpen() && !session.isClosing();
    }

    /** Waits until the guest closes the connection (after a reboot or poweroff command); true if it did. */
    public boolean awaitDisconnect(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isConnected()) {
            if (System.nanoTime() >= deadline) return false;
            SshConnector.sleep(Duration.ofMillis(100));
        }
        return true;
    }

    /**
     * Runs {@code command} with {@code env} exported first, passing stdout and stderr line by line
     * to {@code outputLines} as they arrive (from MINA's I/O thread, one line at a time).
     *
     * @return the exit status, also when it is not zero
     * @throws CommandTimeout when it runs longer than {@code timeout} (its channel is closed)
     * @throws Disconnected   when the connection drops before an exit status arrives (e.g. {@code reboot})
     */
    public ExecResult exec(String command, Map<String, String> env, Duration timeout, Consumer<String> outputLines) {
        // one splitter per stream, so a stderr message cannot land in the middle of a stdout line
        LineOutputStream out = new LineOutputStream(outputLines);
        LineOutputStream err = new LineOutputStream(outputLines);
        try {
            return execRaw(Shell.exports(env) + command, command, timeout, out, err, null);
        } finally {
            out.close();
            err.close();
        }
    }

    /** Runs {@code command} and returns its stdout; a non-zero exit throws {@link CommandFailed} with stderr. */
    public String run(String command) {
        return run(command, DEFAULT_COMMAND_TIMEOUT);
    }

    public String run(String command, Duration timeout) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TailOutputStream err = new TailOutputStream(STDERR_KEPT);
        ExecResult result = execRaw(command, command, timeout, out, err, null);
        if (!result.success()) {
            throw new CommandFailed(failure(command, result) + stderrSuffix(err), result.exitStatus());
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Copies a local file to {@code remotePath} with {@code mode} (octal, e.g. {@code 0755}), creating parent directories. */
    public void upload(Path local, String remotePath, String mode) {
        if (!Files.isRegularFile(local)) throw new GuestException("cannot upload " + local + ": not a regular file");
        upload(out -> Files.copy(local, out), local.toString(), remotePath, mode);
    }

    /** Writes {@code content} to {@code remotePath} with {@code mode}, creating parent directories. */
    public void upload(byte[] content, String remotePath, String mode) {
        upload(out -> out.write(content), content.length + " bytes", remotePath, mode);
    }

    /**
     * Copies the folder {@code local} into {@code remoteDir} (created if missing): every sub-folder, and every
     * file with mode 0755 when it is executable here, else 0644. One exec channel per file, like
     * {@link #upload(Path, String, String)}: the tiny guests have neither sftp nor scp. Symbolic links and
     * special files are refused before anything is copied.
     *
     * @return how many files were copied
     */
    public int uploadFolder(Path local, String remoteDir) {
        if (!Files.isDirectory(local, LinkOption.NOFOLLOW_LINKS)) throw new GuestException("cannot upload " + local + ": not a folder");
        if (remoteDir == null || remoteDir.isEmpty() || remoteDir.startsWith("-")) {
            throw new GuestException("cannot upload a folder to '" + remoteDir + "': not a folder path");
        }
        String base = remoteDir.replaceAll("/+$", ""); // empty for "/"
        List<Path> dirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(local)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) dirs.add(p);
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) files.add(p);
                else throw new GuestException("cannot upload " + local + ": " + local.relativize(p)
                            + " is a symbolic link or special file; only files and folders are copied");
            }
        } catch (IOException e) {
            throw new GuestException("cannot read " + local + ": " + e.getMessage(), e);
        }
        StringBuilder mkdir = new StringBuilder("umask 022 && mkdir -p");
        for (Path d : dirs) mkdir.append(' ').append(Shell.quote(remote(base, local, d)));
        run(mkdir.toString());
        for (Path f : files) upload(f, remote(base, local, f), Files.isExecutable(f) ? "0755" : "0644");
        return files.size();
    }

    private static String remote(String base, Path root, Path p) {
        String rel = root.relativize(p).toString().replace('\\', '/');
        return rel.isEmpty() ? (base.isEmpty() ? "/" : base) : base + "/" + rel;
    }

    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private void upload(Content content, String what, String remotePath, String mode) {
        if (remotePath == null || remotePath.isEmpty() || remotePath.startsWith("-") || remotePath.endsWith("/")) {
            throw new GuestException("cannot upload to '" + remotePath + "': not a file path");
        }
        if (mode == null || !MODE.matcher(mode).matches()) {
            throw new GuestException("cannot upload to " + remotePath + ": mode '" + mode + "' is not octal like 0644");
        }
        String file = Shell.quote(remotePath);
        int slash = remotePath.lastIndexOf('/');
        String mkdir = slash > 0 ? "mkdir -p " + Shell.quote(remotePath.substring(0, slash)) + " && " : "";
        // umask first: the file must not be readable by others before chmod narrows it
        String command = "umask 077 && " + mkdir + "cat > " + file + " && chmod " + mode + " " + file;
        TailOutputStream err = new TailOutputStream(STDERR_KEPT);
        ExecResult result = execRaw(command, "upload to " + remotePath, DEFAULT_COMMAND_TIMEOUT,
                OutputStream.nullOutputStream(), err, content);
        if (!result.success()) {
            throw new CommandFailed("upload of " + what + " to " + remotePath + " on " + target + " failed with exit status "
                    + result.exitStatus() + stderrSuffix(err), result.exitStatus());
        }
    }

    private ExecResult execRaw(String fullCommand, String shownCommand, Duration timeout,
                               OutputStream out, OutputStream err, Content stdin) {
        long started = System.nanoTime();
        if (!isConnected()) throw new Disconnected("SSH connection to " + target + " is closed; cannot run " + shorten(shownCommand));
        ChannelExec channel;
        try {
            channel = session.createExecChannel(fullCommand);
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(SshConnector.min(OPEN_TIMEOUT, timeout));
        } catch (IOException e) {
            if (!isConnected()) throw new Disconnected("SSH connection to " + target + " dropped before " + shorten(shownCommand) + " could start", e);
            throw new GuestException("cannot start " + shorten(shownCommand) + " on " + target + ": " + e.getMessage(), e);
        }
        try {
            IOException stdinProblem = null;
            try (OutputStream in = channel.getInvertedIn()) {
                // closing stdin sends EOF, so a command reading stdin ends instead of waiting forever
                if (stdin != null) stdin.writeTo(in);
            } catch (IOException e) {
                stdinProblem = e; // the command may have ended early; its exit status and stderr tell why
            }
            long left = timeout.toNanos() - (System.nanoTime() - started);
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Math.max(1, left / 1_000_000));
            if (!events.contains(ClientChannelEvent.CLOSED)) {
                channel.close(true);
                throw new CommandTimeout(shorten(shownCommand) + " on " + target + " did not finish within " + human(timeout)
                        + "; its channel was closed (the command may still be running in the guest)");
            }
            Integer status = channel.getExitStatus();
            String signal = channel.getExitSignal();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            if (status == null && signal == null) {
                if (!isConnected()) {
                    throw new Disconnected("SSH connection to " + target + " dropped while running " + shorten(shownCommand)
                            + " (after " + human(elapsed) + ")");
                }
                throw new GuestException(shorten(shownCommand) + " on " + target + " ended without an exit status");
            }
            ExecResult result = new ExecResult(status != null ? status : -1, signal, elapsed);
            if (stdinProblem != null && result.success()) {
                throw new GuestException("sending data to " + shorten(shownCommand) + " on " + target + " failed: " + stdinProblem.getMessage(), stdinProblem);
            }
            return result;
        } finally {
            channel.close(true);
        }
    }

    @Override
    public void close() {
        try {
            session.close(true);
        } finally {
            SshConnector.stopQuietly(client);
        }
    }

    @Override
    public String toString() {
        return "SshCommunicator[" + target + "]";
    }

    // ---- small helpers

    private static String failure(String command, ExecResult result) {
        return shorten(command) + " exited with status " + result.exitStatus()
                + (result.exitSignal() != null ? " (signal " + result.exitSignal() + ")" : "");
    }

    private static String stderrSuffix(TailOutputStream err) {
        String text = err.text().strip();
        return text.isEmpty() ? "" : ": " + text.replace('\n', ' ');
    }

    static String shorten(String command) {
        String oneLine = command.strip().replaceAll("\\s*\n\\s*", "; ");
        return "`" + (oneLine.length() > 80 ? oneLine.substring(0, 77) + "..." : oneLine) + "`";
    }

    static String human(Duration d) {
        return SshConnector.human(d);
    }


    /** Keeps the last {@code limit} bytes (the end of stderr is what explains a failure). */
    private static final class TailOutputStream extends OutputStream {
        private final int limit;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        TailOutputStream(int limit) {
            this.limit = limit;
        }

        @Override
        public synchronized void write(int b) {
            buffer.write(b);
            trim();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            buffer.write(b, off, len);
            trim();
        }

        private void trim() {
            if (buffer.size() > 2 * limit) {
                byte[] all = buffer.toByteArray();
                buffer.reset();
                buffer.write(all, all.length - limit, limit);
            }
        }

        synchronized String text() {
            byte[] all = buffer.toByteArray();
            int from = Math.max(0, all.length - limit);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        }
    }
}
