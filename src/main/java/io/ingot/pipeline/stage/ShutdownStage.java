package io.ingot.pipeline.stage;

import io.ingot.guest.Disconnected;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.GuestSession;
import io.ingot.pipeline.VmRole;
import io.ingot.pipeline.Stage;
import io.ingot.qemu.GuestAgent;
import io.ingot.qemu.Vm;
import io.ingot.util.Durations;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * Runs the recipe's shutdown command and waits for QEMU to exit. A guest still up at the timeout gets
 * an ACPI power-down; one that ignores that too is killed and the build fails saying so.
 */
public final class ShutdownStage implements Stage {
    private static final Duration ACPI_GRACE = Duration.ofSeconds(30);
    private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public String name() { return "shutdown"; }

    @Override
    public void run(BuildContext build) throws Exception {
        BuildVm guest = build.vm(VmRole.PROVISION);
        Vm vm = guest.vm();
        GuestSession session = build.session();
        var shutdown = build.settings().shutdown();
        Duration timeout = Durations.parse(shutdown.timeout());
        if (build.settings().machine().hasGuestAgent() && byGuestAgent(build)) {
            if (session != null) session.close();
        } else if (session != null) {
            build.log().info("running '" + shutdown.command() + "'");
            try {
                session.ssh().exec(shutdown.command(), Map.of(), Duration.ofSeconds(30), line -> build.log().output("shutdown", line));
            } catch (Disconnected expected) {
                // the guest went down under us
            }
            session.close();
        } else {
            vm.qmp().systemPowerdown();
        }
        if (vm.waitForExit(timeout)) {
            build.log().info("the guest powered off");
            guest.end();
            return;
        }
        build.log().info("still running after " + Durations.format(timeout) + "; sending ACPI power-down");
        try {
            vm.qmp().systemPowerdown();
        } catch (Exception e) {
            build.log().info("ACPI power-down failed: " + e.getMessage());
        }
        if (vm.waitForExit(ACPI_GRACE)) {
            // the disk is consistent: a clean ACPI shutdown is a warning, not a failure
            build.log().info("WARNING: '" + shutdown.command() + "' did not power the guest off within "
                    + Durations.format(timeout) + "; the ACPI power-down did");
            guest.end();
            return;
        }
        vm.stop(Duration.ofSeconds(5));
        throw new IllegalStateException("the guest did not power off within " + Durations.format(timeout)
                + " nor after an ACPI power-down; QEMU was killed");
    }

    /** A clean power-off through qemu-guest-agent (machine.guestAgent); false when the agent does not answer. */
    private static boolean byGuestAgent(BuildContext build) {
        try (GuestAgent agent = GuestAgent.connect(GuestVm.agentSocket(build), AGENT_TIMEOUT)) {
            agent.shutdown();
            build.log().info("asked the guest agent to power the guest off");
            return true;
        } catch (IOException e) {
            build.log().info("the guest agent did not answer (" + e.getMessage() + "); running '"
                    + build.settings().shutdown().command() + "' over SSH instead");
            return false;
        }
    }
}
