package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "build", mixinStandardHelpOptions = true, description = "Build a template from a recipe.")
public class BuildCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("build");
    }
}
