package io.ingot.guest;

import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How to log in to a guest over SSH: where, as whom, with which key, how long to keep trying, which host keys to
 * trust, and what is known of the guest before the first attempt. One value instead of a family of
 * {@code connect} overloads; {@link SshCommunicator#connect(SshLogin)} takes it.
 *
 * @param knownHostKeys the only host keys accepted (a guest whose keys ingot made), or null for any (a fresh build VM)
 * @param progress      gets one line whenever the problem seen changes (for the build log)
 * @param giveUp        asked before each retry; a non-null answer (e.g. "QEMU exited with status 1") stops the wait
 *                      at once with that reason in the message
 */
public record SshLogin(String host, int port, String user, KeyPair key, Duration timeout, List<PublicKey> knownHostKeys,
                       FirstAttempt firstAttempt, Consumer<String> progress, Supplier<String> giveUp) {

    /** What is known of the guest before the first attempt, which decides how that attempt is made. */
    public enum FirstAttempt {
        /** Nothing: each attempt first waits for the SSH banner on a bare TCP connection (a guest still booting). */
        PROBED,
        /**
         * The guest is on the network with its SSH server listening (its guest agent said so): the first attempt
         * logs in at once. Each probe costs a guest whose OpenSSH forks and re-executes itself per connection a
         * process start, which under emulation takes longer than a probe waits.
         */
        REACHABLE,
        /**
         * The guest was running a moment ago (a memory clone just resumed, its NIC just plugged in): the first
         * attempt logs in at once but gives up after a short while (QEMU's user network holds that SYN while it
         * learns the guest's MAC, for up to a second); then the probing goes on.
         */
        RESUMED
    }

    public SshLogin {
        knownHostKeys = knownHostKeys == null ? null : List.copyOf(knownHostKeys);
    }

    public static SshLogin of(String host, int port, String user, KeyPair key, Duration timeout) {
        return new SshLogin(host, port, user, key, timeout, null, FirstAttempt.PROBED, line -> { }, () -> null);
    }

    /** Accepting only these host keys; a guest showing another is retried until the timeout. */
    public SshLogin trusting(Collection<PublicKey> keys) {
        return new SshLogin(host, port, user, key, timeout, keys == null ? null : List.copyOf(keys), firstAttempt, progress, giveUp);
    }

    public SshLogin first(FirstAttempt first) {
        return new SshLogin(host, port, user, key, timeout, knownHostKeys, first, progress, giveUp);
    }

    public SshLogin reporting(Consumer<String> progressLines, Supplier<String> giveUpReason) {
        return new SshLogin(host, port, user, key, timeout, knownHostKeys, firstAttempt, progressLines, giveUpReason);
    }

    /** {@code user@host:port}, as messages name it. */
    public String target() {
        return user + "@" + host + ":" + port;
    }
}
