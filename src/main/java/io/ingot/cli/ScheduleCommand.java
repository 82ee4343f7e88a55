package io.ingot.cli;

import io.ingot.daemon.ScheduleState;
import io.ingot.daemon.ScheduleStates;
import io.ingot.util.IngotPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = "Scheduled rebuilds: resume a schedule the daemon paused after repeated failures.",
        subcommands = {ScheduleCommand.Resume.class})
public class ScheduleCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resume the paused schedule of recipe NAME (works whether the daemon runs or not).")
    static class Resume implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The recipe's name.")
        String name;

        @Override
        public Integer call() {
            ScheduleStates states = new ScheduleStates(IngotPaths.fromEnvironment().state());
            boolean was = states.get(name).paused();
            ScheduleState s = states.resume(name);
            System.out.println(was ? "schedule of " + s.recipe() + " resumed" : "schedule of " + s.recipe() + " was not paused");
            return 0;
        }
    }
}
