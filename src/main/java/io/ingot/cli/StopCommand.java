package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a running clone.")
public class StopCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("stop");
    }
}
