package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "clone", mixinStandardHelpOptions = true, description = "Make a linked or full clone of a template.")
public class CloneCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("clone");
    }
}
