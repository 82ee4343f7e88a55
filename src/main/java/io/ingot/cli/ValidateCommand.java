package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true, description = "Check recipes and report every problem as file:line:column: message.")
public class ValidateCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("validate");
    }
}
