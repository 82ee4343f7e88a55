package io.ingot.pipeline.stage;

import io.ingot.guest.ExecResult;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;
import io.ingot.recipe.SealOperation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Removes from the guest what must not reach a template: the build key and unrequested authorized
 * keys, SSH host keys, the machine-id, logs, shell histories, DHCP leases and temporary files.
 * Runs over the existing SSH session, which survives the removal of its own key.
 */
public final class SealStage implements Stage {
    private static final String AUTHORIZED_KEYS = "/root/.ssh/authorized_keys /home/*/.ssh/authorized_keys";

    @Override
    public String name() { return "seal"; }

    @Override
    public void run(BuildContext build) throws Exception {
        if (build.session() == null) {
            build.log().info("communicator is none: nothing can be sealed over SSH");
            return;
        }
        Recipe.Seal seal = build.settings().seal();
        String buildKeyBody = build.buildKey().publicKeyLine("x").split(" ")[1];
        String script = script(seal, buildKeyBody);
        List<String> output = new ArrayList<>();
        ExecResult r = build.session().ssh().exec(script, Map.of(), Duration.ofMinutes(5), line -> {
            output.add(line);
            build.log().output("seal", line);
        });
        if (r.exitStatus() != 0) throw new IllegalStateException(failure(output, r.exitStatus()));
        build.log().info("sealed: " + String.join(", ", seal.operations())
                + (seal.extra().isEmpty() ? "" : " + " + seal.extra().size() + " extra commands"));
    }

    /** Which step failed, from the line the script's exit trap prints. */
    static String failure(List<String> output, int status) {
        for (int i = output.size() - 1; i >= 0; i--) {
            String line = output.get(i);
            int at = line.indexOf(FAILED_MARK);
            if (at >= 0) {
                return "sealing failed at step '" + line.substring(at + FAILED_MARK.length()).trim()
                        + "' (exit status " + status + "); the template would not be clean, so nothing was published";
            }
        }
        return "sealing exited with status " + status + "; nothing was published";
    }

    private static final String FAILED_MARK = "ingot-seal: failed at ";

    private static final String CLOUD_INIT_ERRORS = "echo 'cloud-init reported errors in this boot (cloud-init status --long)'";
    /**
     * True where cloud-init has ever run on the disk (its state directory holds more than a seed). Where it never ran
     * (off in the build's boot, and the installer runs none) there is nothing for {@code cloud-init clean} to remove
     * but its logs, and running it costs seconds of Python under emulation.
     */
    static final String CLOUD_INIT_HAS_STATE = "[ -n \"$(ls -A /var/lib/cloud 2> /dev/null | grep -vx seed)\" ]";

    /**
     * The shell script for the chosen operations; POSIX sh so busybox and full distributions both run it.
     * It stops at the first failing command ({@code set -e}, also in {@code extra} lines), and its exit
     * trap names the step that failed.
     */
    static String script(Recipe.Seal seal, String buildKeyBody) {
        List<String> lines = new ArrayList<>();
        lines.add("set -eu");
        lines.add("step=start");
        lines.add("trap 'rc=$?; [ \"$rc\" -eq 0 ] || echo \"" + FAILED_MARK + "$step\" >&2' EXIT");
        for (String key : seal.operations()) {
            lines.add("step=" + key);
            switch (SealOperation.of(key)) {
                case BUILD_KEY -> lines.add("for f in " + AUTHORIZED_KEYS + "; do [ -f \"$f\" ] || continue; "
                        + "grep -vF '" + buildKeyBody + "' \"$f\" > \"$f.ingot\" || true; cat \"$f.ingot\" > \"$f\"; rm -f \"$f.ingot\"; done");
                case AUTHORIZED_KEYS -> {
                    StringBuilder keep = new StringBuilder();
                    for (String k : seal.keepAuthorizedKeys()) keep.append(k.replace("'", "")).append("\\n");
                    lines.add("for f in " + AUTHORIZED_KEYS + "; do [ -f \"$f\" ] || continue; printf '"
                            + keep + "' > \"$f\"; done");
                }
                case HOST_KEYS -> lines.add("rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub /etc/dropbear/dropbear_*_host_key");
                // systemd makes a new machine-id at the first boot of an empty file; each clone seeds its own RNG
                case MACHINE_ID -> lines.add("if [ -f /etc/machine-id ]; then : > /etc/machine-id; fi; "
                        + "rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed");
                // the next boot is a first boot for cloud-init: it applies the clone's seed (keys, host name, host keys)
                // (after this boot's cloud-init has finished: cleaning under a running one leaves half a state; and
                // cloud-init 22.4's `status --wait` returns once a stage has reported an error, while the later ones
                // still run: under systemd the end of the boot, cloud-final included, is waited for first; its files
                // then say what `status` would, without seconds of Python under emulation)
                case CLOUD_INIT -> lines.add("if command -v cloud-init > /dev/null 2>&1; then "
                        + GuestVm.AWAIT_BOOT_END + "; "
                        + "if " + GuestVm.CLOUD_INIT_SETTLED + "; then " + GuestVm.CLOUD_INIT_RESULT_CLEAN + " || " + CLOUD_INIT_ERRORS + "; "
                        + "else cloud-init status --wait > /dev/null || " + CLOUD_INIT_ERRORS + "; fi; "
                        + "if " + CLOUD_INIT_HAS_STATE + "; then cloud-init clean --logs; "
                        + "else rm -f /var/log/cloud-init.log /var/log/cloud-init-output.log; fi; "
                        + "rm -rf /var/lib/cloud/seed/nocloud-net /var/lib/cloud/seed/nocloud; fi");
                // a persistent journal (Debian 13's) would get the rest of this boot, shutdown included, under the
                // build's machine-id: journald writes to /run from here on (--relinquish-var, systemd >= 243)
                case LOGS -> lines.add("if [ -d /var/log/journal ] && command -v journalctl > /dev/null 2>&1; then "
                        + "journalctl --relinquish-var 2> /dev/null || true; fi; "
                        + "find /var/log -type f 2>/dev/null | while read -r f; do : > \"$f\"; done; "
                        + "rm -rf /var/log/journal/*");
                case SHELL_HISTORY -> lines.add("rm -f /root/.ash_history /root/.bash_history /root/.sh_history "
                        + "/home/*/.ash_history /home/*/.bash_history; unset HISTFILE");
                case DHCP_LEASES -> lines.add("rm -f /var/lib/dhcp/*.lease* /var/lib/dhcp/dhclient* /var/lib/dhclient/* "
                        + "/var/lib/NetworkManager/*.lease /var/lib/systemd/network/*.lease /var/lib/udhcpc/* /run/systemd/netif/leases/*");
                case TMP -> lines.add("rm -rf /tmp/* /var/tmp/*");
            }
        }
        for (int i = 0; i < seal.extra().size(); i++) {
            lines.add("step='extra[" + i + "]'");
            lines.add(seal.extra().get(i));
        }
        lines.add("step=sync");
        lines.add("sync");
        return String.join("\n", lines) + "\n";
    }
}
