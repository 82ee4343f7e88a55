package io.ingot.pipeline.stage;

import io.ingot.guest.SshCommunicator;
import io.ingot.pipeline.BuildContext;
import io.ingot.qemu.Accelerator;

import java.time.Duration;
import java.util.Map;

/**
 * Under emulation (TCG) the provisioning VM runs its programs at the same addresses for the rest of its boot
 * ({@code kernel.randomize_va_space=0}, set at run time, never on the disk): QEMU keeps the code it translated for an
 * address, so each program after the first reuses what the others ran (libc, the dynamic loader, the shell) instead
 * of translating all of it again (programs start about 3x faster; provisioning that installs packages starts
 * thousands). The installer does the same in its own kernel. Nothing of it reaches the template: the setting ends
 * with this boot, and the capture VM and every clone boot with the guest's own. Under KVM there is nothing to gain.
 */
final class FixedLayout {
    static final String COMMAND = "f=/proc/sys/kernel/randomize_va_space; if [ -w $f ]; then echo 0 > $f; "
            + "elif command -v sudo > /dev/null 2>&1; then sudo -n sh -c \"echo 0 > $f\"; else exit 1; fi";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private FixedLayout() { }

    /** Sets it in a guest that has it (Linux, as root or with sudo); says so in the build log. Any other guest: nothing. */
    static void apply(BuildContext build, SshCommunicator ssh) {
        Accelerator accel = build.accelerator(); // none in stage tests that fake the guest
        if (accel == null || !"tcg".equals(accel.name())) return;
        try {
            if (ssh.exec(COMMAND, Map.of(), TIMEOUT, line -> { }).exitStatus() == 0) {
                build.log().info("emulated guest: its programs run at fixed addresses for this boot (faster under TCG;"
                        + " not kept on the disk)");
            }
        } catch (RuntimeException e) {
            // a guest without a POSIX shell (or one that refuses): it provisions as it would have
        }
    }
}
