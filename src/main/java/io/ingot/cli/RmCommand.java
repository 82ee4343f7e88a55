package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a clone or a template version.")
public class RmCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("rm");
    }
}
