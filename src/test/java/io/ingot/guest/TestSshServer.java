package io.ingot.guest;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;

import java.io.IOException;
import java.security.PublicKey;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real SSH server on 127.0.0.1 for tests: MINA's SshServer running each exec request with
 * {@code /bin/sh -c} on this machine, authorizing exactly one public key (changeable, like a
 * guest whose build key is removed at sealing). It offers no sftp or scp, like the tiny guest. Public for the
 * stage tests, which may map the guest's paths to folders of their own ({@code commands} rewrites each command).
 */
public final class TestSshServer implements AutoCloseable {
    private final SshServer sshd = SshServer.setUpDefaultServer();
    private final AtomicReference<PublicKey> authorized = new AtomicReference<>();

    public TestSshServer(BuildKey hostKey, PublicKey authorizedKey, int port) {
        this(hostKey, authorizedKey, port, UnaryOperator.identity());
    }

    public TestSshServer(BuildKey hostKey, PublicKey authorizedKey, int port, UnaryOperator<String> commands) {
        authorized.set(authorizedKey);
        sshd.setHost("127.0.0.1");
        sshd.setPort(port);
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey.keyPair()));
        sshd.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, authorized.get()));
        sshd.setCommandFactory((channel, command) -> new ShellCommand(List.of("/bin/sh", "-c", commands.apply(command))));
    }

    public TestSshServer start() throws IOException {
        sshd.start();
        return this;
    }

    public int port() {
        return sshd.getPort();
    }

    public void authorize(PublicKey key) {
        authorized.set(key);
    }

    /** Drops every connection at once, like a guest that reboots. */
    public void kill() throws IOException {
        sshd.stop(true);
    }

    @Override
    public void close() throws IOException {
        sshd.stop(true);
    }
}
