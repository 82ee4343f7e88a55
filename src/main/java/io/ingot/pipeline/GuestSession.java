package io.ingot.pipeline;

import io.ingot.guest.SshCommunicator;

import java.time.Duration;

/**
 * The build's SSH session with the provisioning VM: opened by wait-ssh, reopened on the same login after a reboot or
 * a lost connection, closed by shutdown. The stages after wait-ssh run their commands through {@link #ssh()}.
 */
public final class GuestSession implements AutoCloseable {
    /** Opens a new connection to the guest, waiting up to the timeout for it to answer. */
    @FunctionalInterface
    public interface Connector {
        SshCommunicator connect(Duration timeout) throws Exception;
    }

    private final Connector connector;
    private SshCommunicator ssh;
    private String hostKeyFingerprint;
    private boolean closed;

    private GuestSession(Connector connector, SshCommunicator first) {
        this.connector = connector;
        this.ssh = first;
        this.hostKeyFingerprint = first.hostKeyFingerprint();
    }

    /** Connects for the first time. */
    public static GuestSession open(Connector connector, Duration timeout) throws Exception {
        return new GuestSession(connector, connector.connect(timeout));
    }

    /** The current connection. */
    public synchronized SshCommunicator ssh() {
        if (closed) throw new IllegalStateException("the SSH session with the guest was closed at its shutdown");
        return ssh;
    }

    /** Closes the current connection and opens a new one (after a reboot, or when the guest dropped it). */
    public synchronized SshCommunicator reopen(Duration timeout) throws Exception {
        if (closed) throw new IllegalStateException("the SSH session with the guest was closed at its shutdown");
        ssh.close();
        ssh = connector.connect(timeout);
        hostKeyFingerprint = ssh.hostKeyFingerprint();
        return ssh;
    }

    public synchronized boolean isOpen() { return !closed; }

    /** The guest's SSH host key as the build saw it (sealing removes it; clones get new ones). */
    public synchronized String hostKeyFingerprint() { return hostKeyFingerprint; }

    @Override
    public synchronized void close() {
        closed = true;
        ssh.close();
    }
}
