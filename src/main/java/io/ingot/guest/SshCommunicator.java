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

    // a single attempt may not take longer than these, so a stuck attempt cannot eat the whole wait
    private static final Duration MAX_TCP_CONNECT = Duration.ofSeconds(10);
    private static final Duration MAX_HANDSHAKE = Duration.ofSeconds(60);
    /**
     * The first attempts give the handshake little time, doubling each attempt up to MAX_HANDSHAKE: QEMU's
     * user network accepts a forwarded connection at once, and if the guest had no address yet its SYN is
     * only resent on TCP backoff (seconds); a fresh connection reaches a guest that just came up at once.
     */
    private static final Duration FIRST_HANDSHAKE = Duration.ofMillis(250);
    /** The first attempt at a just-resumed guest: past QEMU's one second of holding its SYN, and a login under TCG. */
    private static final Duration RESUMED_HANDSHAKE = Duration.ofMillis(2500);
    /**
     * Before each SSH attempt a bare TCP connection waits this long for the server's banner: it costs
     * the guest nothing until the network is up, so during the first seconds it is repeated often (a
     * memory clone's SSH is found within a few tens of milliseconds of its NIC getting an address);
     * after that waits and pauses grow, so a long boot is not polled fifty times a second.
     */
    private static final Duration FIRST_BANNER_WAIT = Duration.ofMillis(150);
    private static final Duration MAX_BANNER_WAIT = Duration.ofSeconds(3);
    private static final Duration FIRST_BANNER_RETRY_DELAY = Duration.ofMillis(20);
    private static final Duration MAX_BANNER_RETRY_DELAY = Duration.ofMillis(500);
    private static final Duration FAST_POLLING = Duration.ofSeconds(3);
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(100);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final int STDERR_KEPT = 4096;
    private static final Pattern MODE = Pattern.compile("[0-7]{3,4}");
    // QEMU's user-mode port forward accepts a TCP connection even when nothing listens in the guest yet
    private static final String CLOSED_BEFORE_BANNER = "connection accepted but closed before the SSH banner (SSH server not running yet?)";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final SshClient client;
    private final ClientSession session;
    private final String target;

    private SshCommunicator(SshClient client, ClientSession session, String target) {
        this.client = client;
        this.session = session;
        this.target = target;
    }

    /** Waits up to {@code timeout} for SSH on host:port to let {@code user} in with {@code key}. */
    public static SshCommunicator connect(String host, int port, String user, KeyPair key, Duration timeout) {
        return connect(host, port, user, key, timeout, line -> { }, () -> null);
    }

    /**
     * Waits up to {@code timeout} for SSH to let us in, retrying connection and authentication.
     *
     * @param progress  gets one line whenever the problem seen changes (for the build log)
     * @param giveUp    asked before each retry; a non-null answer (e.g. "QEMU exited with status 1")
     *                  stops the wait at once with that reason in the message
     * @throws SshNotReady when the deadline passes or {@code giveUp} answers; the message says what was last seen
     */
    public static SshCommunicator connect(String host, int port, String user, KeyPair key, Duration timeout,
                                          Consumer<String> progress, Supplier<String> giveUp) {
        return connect(host, port, user, key, timeout, progress, giveUp, null);
    }

    /**
     * As {@link #connect(String, int, String, KeyPair, Duration)}, trusting only {@code knownHostKeys}: for a guest
     * whose host keys ingot made itself. A guest showing another key is retried until the timeout (a listener
     * with the old keys may still answer for a moment).
     */
    public static SshCommunicator connect(String host, int port, String user, KeyPair key, Duration timeout,
                                          Collection<PublicKey> knownHostKeys) {
        return connect(host, port, user, key, timeout, line -> { }, () -> null, knownHostKeys);
    }

    /**
     * As {@link #connect(String, int, String, KeyPair, Duration, Collection)} for a guest known to be on the
     * network with its SSH server listening (its guest agent said so): the first attempt logs in at once, with
     * no banner probe before it. Each probe costs a guest whose OpenSSH forks and re-executes itself per
     * connection a process start, which under emulation takes longer than a probe waits.
     */
    public static SshCommunicator connectReachable(String host, int port, String user, KeyPair key, Duration timeout,
                                                   Collection<PublicKey> knownHostKeys) {
        return connect(host, port, user, key, timeout, line -> { }, () -> null, knownHostKeys, false, MAX_HANDSHAKE);
    }

    /**
     * For a guest that was running a moment ago (a memory clone just resumed, its NIC just plugged in): the first
     * attempt logs in at once, with no banner probe before it (each probe costs the guest a process under
     * emulation). QEMU's user network holds that connection's SYN while it learns the guest's MAC, for up to a
     * second; should the guest take longer, the attempt gives up after {@link #RESUMED_HANDSHAKE} and the usual
     * probing goes on.
     */
    public static SshCommunicator connectResumed(String host, int port, String user, KeyPair key, Duration timeout) {
        return connect(host, port, user, key, timeout, line -> { }, () -> null, null, false, RESUMED_HANDSHAKE);
    }

    private static SshCommunicator connect(String host, int port, String user, KeyPair key, Duration timeout,
                                           Consumer<String> progress, Supplier<String> giveUp, Collection<PublicKey> knownHostKeys) {
        return connect(host, port, user, key, timeout, progress, giveUp, knownHostKeys, true, MAX_HANDSHAKE);
    }

    private static SshCommunicator connect(String host, int port, String user, KeyPair key, Duration timeout,
                                           Consumer<String> progress, Supplier<String> giveUp, Collection<PublicKey> knownHostKeys,
                                           boolean probeFirst, Duration directHandshake) {
        String target = user + "@" + host + ":" + port;
        long deadline = System.nanoTime() + timeout.toNanos();
        SshClient client = newClient();
        if (knownHostKeys != null) {
            List<PublicKey> known = List.copyOf(knownHostKeys);
            client.setServerKeyVerifier((clientSession, remoteAddress, serverKey) ->
                    known.stream().anyMatch(k -> KeyUtils.compareKeys(k, serverKey)));
        }
        boolean ok = false;
        try {
            String lastProblem = "no attempt was made";
            boolean problemSeen = false;
            LocalTime lastAt = LocalTime.now();
            int attempts = 0;
            Duration delay = FIRST_RETRY_DELAY;
            Duration bannerWait = FIRST_BANNER_WAIT;
            Duration bannerDelay = FIRST_BANNER_RETRY_DELAY;
            long slowDownAt = System.nanoTime() + FAST_POLLING.toNanos();
            int sshAttempts = 0;
            while (true) {
                attempts++;
                boolean bannerSeen = false;
                try {
                    boolean direct = !probeFirst && attempts == 1;
                    if (!direct) awaitBanner(host, port, min(bannerWait, remaining(deadline)));
                    bannerSeen = true;
                    sshAttempts++;
                    Duration handshake = direct ? directHandshake
                            : min(FIRST_HANDSHAKE.multipliedBy(1L << Math.min(sshAttempts - 1, 10)), MAX_HANDSHAKE);
                    ClientSession session = attempt(client, host, port, user, key, remaining(deadline), handshake);
                    ok = true;
                    return new SshCommunicator(client, session, target);
                } catch (AttemptFailed e) {
                    if (!e.problem.equals(lastProblem)) progress.accept("SSH to " + target + ": " + e.problem + "; retrying");
                    // an attempt the deadline cut short keeps the problem seen before (say, a refused key) on record
                    if (!e.outOfTime || !problemSeen) {
                        lastProblem = e.problem;
                        lastAt = LocalTime.now();
                        problemSeen = true;
                    }
                }
                String reason = giveUp.get();
                if (reason != null) {
                    throw new SshNotReady("stopped waiting for SSH to " + host + ":" + port + " as " + user
                            + " because " + reason + "; last seen: " + lastProblem
                            + " (at " + CLOCK.format(lastAt) + ", " + attempts + " attempts)", lastProblem);
                }
                if (remaining(deadline).compareTo(delay) <= 0) {
                    throw new SshNotReady("SSH to " + host + ":" + port + " as " + user + " did not answer within "
                            + human(timeout) + ": " + lastProblem
                            + " (last at " + CLOCK.format(lastAt) + ", " + attempts + " attempts)", lastProblem);
                }
                if (bannerSeen) {
                    sleep(delay);
                    delay = min(delay.multipliedBy(3).dividedBy(2), MAX_RETRY_DELAY);
                } else {
                    sleep(bannerDelay);
                    if (System.nanoTime() > slowDownAt) {
                        bannerWait = min(bannerWait.multipliedBy(3).dividedBy(2), MAX_BANNER_WAIT);
                        bannerDelay = min(bannerDelay.multipliedBy(3).dividedBy(2), MAX_BANNER_RETRY_DELAY);
                    }
                }
            }
        } finally {
            if (!ok) stopQuietly(client);
        }
    }

    /** One attempt, no retry: does SSH with this key get in? (False for refused keys and unreachable hosts.) */
    public static boolean probe(String host, int port, String user, KeyPair key, Duration timeout) {
        SshClient client = newClient();
        try {
            ClientSession session = attempt(client, host, port, user, key, timeout, MAX_HANDSHAKE);
            session.close(true);
            return true;
        } catch (AttemptFailed e) {
            return false;
        } finally {
            stopQuietly(client);
        }
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
            sleep(Duration.ofMillis(100));
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
            channel.open().verify(min(OPEN_TIMEOUT, timeout));
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
            stopQuietly(client);
        }
    }

    @Override
    public String toString() {
        return "SshCommunicator[" + target + "]";
    }

    // ---- connecting

    private static SshClient newClient() {
        SshClient client = SshClient.setUpDefaultClient();
        // only the key we are given: no ~/.ssh/config, no ~/.ssh/id_* keys, no password prompts
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        // ed25519 host keys first: an emulated guest signs with ed25519 far faster than with ECDSA (50 ms a login here)
        List<NamedFactory<Signature>> signatures = new ArrayList<>(client.getSignatureFactories());
        signatures.sort(Comparator.comparing(f -> KeyPairProvider.SSH_ED25519.equals(f.getName()) ? 0 : 1));
        client.setSignatureFactories(signatures);
        // a fresh build VM has a fresh host key: accept it; it is exposed for the build log
        client.setServerKeyVerifier((clientSession, remoteAddress, serverKey) -> true);
        // small SSH messages go out at once: with Nagle a message written behind an unacknowledged one (a channel's
        // close, then the next channel's open) waits for the peer's delayed ACK, ~40 ms a command
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        // long silent commands (package installs) are normal; dead peers are found by heartbeats instead
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.NIO2_READ_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(15));
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 4);
        client.start();
        return client;
    }

    /** Why one attempt did not get in, as one phrase for the user. */
    private static final class AttemptFailed extends Exception {
        final String problem;
        /** It timed out only because the overall deadline left it too little time: it says nothing new. */
        final boolean outOfTime;

        AttemptFailed(String problem) {
            this(problem, false);
        }

        AttemptFailed(String problem, boolean outOfTime) {
            super(problem, null, false, false);
            this.problem = problem;
            this.outOfTime = outOfTime;
        }
    }

    /**
     * Returns once a bare TCP connection to host:port receives the first bytes of an SSH banner within
     * {@code wait}. QEMU's user network accepts a forwarded connection before the guest can take it, and
     * a SYN it sent into a guest without an address is only resent a second or more later: a new
     * connection is the quicker way to find out.
     */
    private static void awaitBanner(String host, int port, Duration wait) throws AttemptFailed {
        long waitMs = Math.max(wait.toMillis(), 1);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.min(waitMs, MAX_TCP_CONNECT.toMillis()));
            socket.setSoTimeout((int) waitMs);
            byte[] prefix = new byte[4];
            int n = socket.getInputStream().readNBytes(prefix, 0, prefix.length);
            if (n == 0) throw new AttemptFailed(CLOSED_BEFORE_BANNER);
        } catch (SocketTimeoutException e) {
            throw new AttemptFailed("TCP connection accepted, but no SSH banner arrived within " + human(Duration.ofMillis(waitMs)));
        } catch (IOException e) {
            throw new AttemptFailed(isReset(String.valueOf(e.getMessage())) ? CLOSED_BEFORE_BANNER : connectProblem(e));
        }
    }

    private static ClientSession attempt(SshClient client, String host, int port, String user, KeyPair key, Duration budget,
                                         Duration maxHandshake) throws AttemptFailed {
        long started = System.nanoTime();
        Duration connectBudget = min(budget, MAX_TCP_CONNECT);
        ClientSession session;
        try {
            ConnectFuture future = client.connect(user, host, port);
            if (!future.await(connectBudget)) {
                future.cancel();
                throw new AttemptFailed("TCP connect got no answer within " + human(connectBudget));
            }
            if (future.getException() != null) throw new AttemptFailed(connectProblem(future.getException()));
            session = future.getSession();
        } catch (IOException e) {
            throw new AttemptFailed(connectProblem(e));
        }
        Duration handshakeBudget = min(budget.minusNanos(System.nanoTime() - started), maxHandshake);
        boolean cutByDeadline = handshakeBudget.compareTo(maxHandshake) < 0;
        if (handshakeBudget.toMillis() < 100) handshakeBudget = Duration.ofMillis(100);
        try {
            session.addPublicKeyIdentity(key);
            session.auth().verify(handshakeBudget);
            return session;
        } catch (IOException | RuntimeException e) {
            String problem = handshakeProblem(session, e, handshakeBudget);
            session.close(true);
            throw new AttemptFailed(problem, cutByDeadline && isTimeout(e));
        }
    }

    private static String connectProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                String msg = String.valueOf(t.getMessage()).toLowerCase();
                return msg.contains("refused") ? "connection refused" : "cannot connect: " + t.getMessage();
            }
            if (t instanceof NoRouteToHostException) return "no route to host";
            if (t instanceof UnknownHostException) return "unknown host " + t.getMessage();
            if (t instanceof SocketTimeoutException || t instanceof InterruptedByTimeoutException) return "TCP connect timed out";
            // the peer hung up right after accepting, before MINA could even attach a session
            if (t.getClass().getSimpleName().equals("MissingAttachedSessionException") || isReset(String.valueOf(t.getMessage()))) {
                return CLOSED_BEFORE_BANNER;
            }
        }
        return "cannot connect: " + rootMessage(e);
    }

    private static String handshakeProblem(ClientSession session, Throwable e, Duration budget) {
        boolean timedOut = isTimeout(e);
        String version = session.getServerVersion();
        if (version == null) {
            return timedOut
                    ? "TCP connection accepted, but no SSH banner arrived within " + human(budget)
                    : CLOSED_BEFORE_BANNER;
        }
        if (session.getServerKey() == null) {
            if (timedOut) return "key exchange with " + version + " did not finish within " + human(budget);
            String cause = rootMessage(e);
            return isReset(cause) || !session.isOpen() && cause.toLowerCase().contains("closed")
                    ? "connection reset during key exchange with " + version
                    : "key exchange with " + version + " failed: " + cause;
        }
        String msg = rootMessage(e);
        if (msg.contains("No more authentication methods")) {
            return "authentication with the build key was refused (" + version + ")";
        }
        if (timedOut) return "authentication did not finish within " + human(budget) + " (" + version + ")";
        return "connection lost during authentication (" + version + "): " + msg;
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof InterruptedByTimeoutException) return true;
            String msg = t.getMessage();
            if (msg != null && (msg.contains("within specified timeout") || msg.contains("timed out") || msg.contains("Timeout"))) return true;
        }
        return false;
    }

    private static boolean isReset(String message) {
        String m = message.toLowerCase();
        return m.contains("reset") || m.contains("broken pipe") || m.contains("eof");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String msg = root.getMessage();
        if (msg == null || msg.isBlank()) msg = e.getMessage();
        return msg == null || msg.isBlank() ? root.getClass().getSimpleName() : msg;
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
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) return (ms / 60_000) + "m";
        if (ms % 1000 == 0) return (ms / 1000) + "s";
        return String.format("%.1fs", ms / 1000.0);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestException("interrupted while waiting for SSH", e);
        }
    }

    private static void stopQuietly(SshClient client) {
        try {
            client.stop();
        } catch (RuntimeException ignored) {
            // stopping is best effort; the client's threads are daemons
        }
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
