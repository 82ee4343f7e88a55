package io.ingot.guest;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.kex.KeyExchangeFactory;
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
 * Logs in to a guest over SSH, retrying until its deadline: probes for the SSH banner before each attempt (or
 * not, for a guest known to be listening), grows the handshake's budget, and says in one phrase what it last
 * saw. {@link SshCommunicator} is what it hands back; this class only connects.
 */
final class SshConnector {
    // a single attempt may not take longer than these, so a stuck attempt cannot eat the whole wait
    private static final Duration MAX_TCP_CONNECT = Duration.ofSeconds(10);
    private static final Duration MAX_HANDSHAKE = Duration.ofSeconds(60);
    /**
     * The handshake's budget once the banner probe has seen the server answer, doubling each attempt up to
     * MAX_HANDSHAKE: the path to the guest works, so what is left is the server's own work, which an emulated
     * guest does slowly (OpenSSH starts a new sshd for each connection: 0.5 to 1 s to a login under TCG). A
     * smaller first budget only bought retries that each start one more sshd in the guest (2 to 3 s per wait).
     */
    private static final Duration PROBED_HANDSHAKE = Duration.ofSeconds(2);
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
    // QEMU's user-mode port forward accepts a TCP connection even when nothing listens in the guest yet
    private static final String CLOSED_BEFORE_BANNER = "connection accepted but closed before the SSH banner (SSH server not running yet?)";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private SshConnector() { }

    static SshCommunicator connect(SshLogin login) {
        String host = login.host();
        int port = login.port();
        String user = login.user();
        KeyPair key = login.key();
        Duration timeout = login.timeout();
        Consumer<String> progress = login.progress();
        Supplier<String> giveUp = login.giveUp();
        List<PublicKey> knownHostKeys = login.knownHostKeys();
        boolean probeFirst = login.firstAttempt() == SshLogin.FirstAttempt.PROBED;
        Duration directHandshake = login.firstAttempt() == SshLogin.FirstAttempt.RESUMED ? RESUMED_HANDSHAKE : MAX_HANDSHAKE;
        String target = user + "@" + host + ":" + port;
        long deadline = System.nanoTime() + timeout.toNanos();
        SshClient client = newClient(host);
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
                            : min(PROBED_HANDSHAKE.multipliedBy(1L << Math.min(sshAttempts - 1, 5)), MAX_HANDSHAKE);
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
    static boolean probe(String host, int port, String user, KeyPair key, Duration timeout) {
        SshClient client = newClient(host);
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

    private static SshClient newClient(String host) {
        SshClient client = SshClient.setUpDefaultClient();
        if (isLoopback(host)) {
            // a guest behind a port on this host (QEMU's user network): nothing goes over a wire, so the key exchange
            // the guest computes fastest under emulation comes first, curve25519 (OpenSSH and MINA would otherwise agree
            // on sntrup761x25519, whose keys this JVM makes and whose ciphertext the guest computes, ~0.1 to 0.3 s a login)
            List<KeyExchangeFactory> kex = new ArrayList<>(client.getKeyExchangeFactories());
            kex.sort(Comparator.comparing(f -> f.getName().startsWith("curve25519-sha256") ? 0 : 1));
            client.setKeyExchangeFactories(kex);
        }
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

    static boolean isLoopback(String host) {
        return "localhost".equals(host) || host.startsWith("127.") || "::1".equals(host);
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

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestException("interrupted while waiting for SSH", e);
        }
    }

    static void stopQuietly(SshClient client) {
        try {
            client.stop();
        } catch (RuntimeException ignored) {
            // stopping is best effort; the client's threads are daemons
        }
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms > 0) return (ms / 60_000) + "m";
        if (ms % 1000 == 0) return (ms / 1000) + "s";
        return String.format("%.1fs", ms / 1000.0);
    }
}
