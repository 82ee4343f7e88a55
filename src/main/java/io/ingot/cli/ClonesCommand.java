package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "clones", mixinStandardHelpOptions = true, description = "List clones.")
public class ClonesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("clones");
    }
}
