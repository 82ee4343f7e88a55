package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "templates", mixinStandardHelpOptions = true, description = "List published templates.")
public class TemplatesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("templates");
    }
}
