package io.ingot.pipeline.stage;

import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.GuestSession;
import io.ingot.pipeline.VmRole;
import io.ingot.qemu.GuestStall;
import io.ingot.recipe.Recipe;
import io.ingot.util.Durations;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/** Opens the build's SSH session with the provisioning VM through its forwarded port; reopens connect the same way. */
final class GuestConnection {
    private GuestConnection() { }

    static GuestSession open(BuildContext build) throws Exception {
        BuildVm guest = build.vm(VmRole.PROVISION);
        Recipe.Communicator c = build.settings().communicator();
        AtomicBoolean firstBoot = new AtomicBoolean(true);
        GuestSession session = GuestSession.open(timeout -> connect(build, guest, c, timeout,
                firstBoot.getAndSet(false) ? GuestStall.watching(guest.serialLog(), GuestStall.PATIENCE)
                        : GuestStall.watchingFromNow(guest.serialLog(), GuestStall.PATIENCE)), timeout(build));
        build.session(session);
        return session;
    }

    private static SshCommunicator connect(BuildContext build, BuildVm guest, Recipe.Communicator c, Duration timeout,
                                           GuestStall stall) throws Exception {
        build.log().info("waiting up to " + Durations.format(timeout) + " for SSH on 127.0.0.1:" + guest.sshPort()
                + " as " + c.user());
        long t0 = System.nanoTime();
        // a guest whose QEMU died, or whose kernel hung, will never answer: stop waiting and say why
        SshCommunicator ssh = SshCommunicator.connect(SshLogin.of("127.0.0.1", guest.sshPort(), c.user(),
                build.buildKey().keyPair(), timeout).reporting(line -> build.log().info("ssh: " + line),
                () -> !guest.vm().isAlive() ? "QEMU exited with status " + guest.vm().exitCode().orElse(-1)
                        : stall.hung().map(h -> "the guest hung: " + h).orElse(null)));
        build.log().info(String.format("SSH answered after %.1fs, host key %s",
                (System.nanoTime() - t0) / 1e9, ssh.hostKeyFingerprint()));
        FixedLayout.apply(build, ssh); // again after each reboot of a provisioner: the setting ends with the boot
        return ssh;
    }

    static Duration timeout(BuildContext build) {
        return Durations.parse(build.settings().communicator().timeout());
    }
}
