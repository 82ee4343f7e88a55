package io.ingot.pipeline.stage;

import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.pipeline.BuildContext;
import io.ingot.recipe.Recipe;
import io.ingot.util.Durations;

import java.time.Duration;

/** (Re)connects the build's SSH communicator to the running guest through its forwarded port. */
final class GuestConnection {
    private GuestConnection() { }

    static SshCommunicator open(BuildContext build, Duration timeout) throws Exception {
        Recipe.Communicator c = build.settings().communicator();
        if (build.ssh() != null) build.ssh().close();
        build.log().info("waiting up to " + Durations.format(timeout) + " for SSH on 127.0.0.1:" + build.sshPort()
                + " as " + c.user());
        long t0 = System.nanoTime();
        // a guest whose QEMU died will never answer: stop waiting at once and say why
        SshCommunicator ssh = SshCommunicator.connect(SshLogin.of("127.0.0.1", build.sshPort(), c.user(),
                build.buildKey().keyPair(), timeout).reporting(line -> build.log().info("ssh: " + line),
                () -> build.vm() != null && !build.vm().isAlive()
                        ? "QEMU exited with status " + build.vm().exitCode().orElse(-1) : null));
        build.ssh(ssh);
        build.hostKeyFingerprint(ssh.hostKeyFingerprint());
        build.log().info(String.format("SSH answered after %.1fs, host key %s",
                (System.nanoTime() - t0) / 1e9, ssh.hostKeyFingerprint()));
        return ssh;
    }

    static Duration timeout(BuildContext build) {
        return Durations.parse(build.settings().communicator().timeout());
    }
}
