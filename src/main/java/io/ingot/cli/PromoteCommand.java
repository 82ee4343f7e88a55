package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "promote", mixinStandardHelpOptions = true, description = "Point a channel at a template version.")
public class PromoteCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("promote");
    }
}
