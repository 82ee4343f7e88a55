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
        if (build.ssh() == null) {
            build.log().info("communicator is none: nothing can be sealed over SSH");
            return;
        }
        Recipe.Seal seal = build.recipe().recipe().seal();
        String buildKeyBody = build.buildKey().publicKeyLine("x").split(" ")[1];
        String script = script(seal, buildKeyBody);
        ExecResult r = build.ssh().exec(script, Map.of(), Duration.ofMinutes(5), line -> build.log().output("seal", line));
        if (r.exitStatus() != 0) throw new IllegalStateException("sealing exited with status " + r.exitStatus());
        build.log().info("sealed: " + String.join(", ", seal.operations())
                + (seal.extra().isEmpty() ? "" : " + " + seal.extra().size() + " extra commands"));
    }

    /** The shell script for the chosen operations; POSIX sh so busybox and full distributions both run it. */
    static String script(Recipe.Seal seal, String buildKeyBody) {
        List<String> lines = new ArrayList<>();
        lines.add("set -u");
        for (String key : seal.operations()) {
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
                case MACHINE_ID -> lines.add("[ -f /etc/machine-id ] && : > /etc/machine-id; rm -f /var/lib/dbus/machine-id");
                case LOGS -> lines.add("find /var/log -type f 2>/dev/null | while read -r f; do : > \"$f\"; done; "
                        + "rm -rf /var/log/journal/* 2>/dev/null");
                case SHELL_HISTORY -> lines.add("rm -f /root/.ash_history /root/.bash_history /root/.sh_history "
                        + "/home/*/.ash_history /home/*/.bash_history; unset HISTFILE");
                case DHCP_LEASES -> lines.add("rm -f /var/lib/dhcp/*.lease* /var/lib/dhcp/dhclient* /var/lib/dhclient/* "
                        + "/var/lib/NetworkManager/*.lease /var/lib/systemd/network/*.lease /var/lib/udhcpc/* 2>/dev/null");
                case TMP -> lines.add("rm -rf /tmp/* /var/tmp/* 2>/dev/null");
            }
        }
        lines.addAll(seal.extra());
        lines.add("sync");
        lines.add("true");
        return String.join("\n", lines);
    }
}
