package io.ingot.cli;

import io.ingot.images.CloneInstances;
import io.ingot.images.ImageStore;
import io.ingot.util.Durations;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop a running clone: ACPI power-down, then QMP quit after the grace period, then signals to its PID.")
public class StopCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The clone to stop.")
    String name;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long the guest gets to power off by itself (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws Exception {
        if (!Durations.isValid(timeout)) throw new UserError("--timeout: not a duration: '" + timeout + "' (use e.g. 30s)");
        ImageStore store = ImageStore.open(IngotPaths.fromEnvironment());
        boolean stopped = new CloneInstances(store).stop(name, Durations.parse(timeout));
        System.out.println(stopped ? "stopped " + name : name + " was not running");
        return 0;
    }
}
