package io.ingot.cli;

import io.ingot.images.CloneInstances;
import io.ingot.images.ImageStore;
import io.ingot.network.Network;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.UserError;
import io.ingot.vm.RunningClone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Start a clone in the background; a memory clone resumes from its RAM template.",
                "QEMU gets the clone's disk, its NoCloud seed (hostname, SSH keys), its MAC, SMBIOS UUID and",
                "vmgenid, and a loopback port forwarded to its SSH. Templates are never started."})
public class StartCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The clone to start.")
    String name;

    @Option(names = "--json", description = "Print the clone's pid, SSH port, QMP socket, serial log and console socket as JSON.")
    boolean json;

    @Option(names = "--cold", description = "Boot a memory clone from its disk instead of resuming it from the RAM template.")
    boolean cold;

    @Option(names = "--pool", paramLabel = "N", defaultValue = "0",
            description = {"Memory clones: afterwards keep N QEMU processes waiting for this RAM template (the warm pool), "
                    + "so the next starts only load the device state. See: ingot pool."})
    int pool;

    @Override
    public Integer call() throws Exception {
        if (pool < 0) throw new UserError("--pool must be 0 or more, not " + pool);
        if (pool > 0 && cold) throw new UserError("--pool is for resuming memory clones; it cannot go with --cold");
        ImageStore store = ImageStore.open(IngotPaths.fromEnvironment());
        CloneInstances instances = new CloneInstances(store);
        instances.stopInterrupted(name).ifPresent(pid ->
                System.out.println("stopped QEMU pid " + pid + ", left running by an interrupted start of " + name));
        RunningClone r = instances.start(name, cold, pool);
        if (json) {
            System.out.println(Json.PRETTY.writeValueAsString(r));
        } else {
            String from = "pool".equals(r.how()) ? " from the warm pool in " : " from its RAM template in ";
            System.out.println((r.resumedMillis() != null ? "resumed " + name + from + r.resumedMillis() + " ms"
                    : "started " + name) + ": pid " + r.pid() + " (" + r.accelerator() + ")"
                    + (r.sshPort() > 0 ? ", SSH on 127.0.0.1:" + r.sshPort() : ""));
            if (r.nics() != null) {
                for (RunningClone.Nic n : r.nics()) {
                    if (n.network().equals(Network.USER)) continue;
                    System.out.println("  " + n.network() + " (tap " + n.tap() + "): " + n.mac() + ", "
                            + (n.address() != null ? n.address() : "address by DHCP (ingot clones shows it once the guest has one)"));
                }
            }
            System.out.println("  log in: ingot ssh " + name + "   (or: ingot ssh " + name + " -- COMMAND)");
            System.out.println("  serial console: ingot console " + name + " (log: " + r.serialLog() + ")");
            if (pool > 0) System.out.println("  warm pool: " + pool + " QEMU processes wait for the next memory clones of this template (ingot pool)");
        }
        return 0;
    }
}
