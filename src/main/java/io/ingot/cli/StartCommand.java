package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "start", mixinStandardHelpOptions = true, description = "Start a clone.")
public class StartCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("start");
    }
}
