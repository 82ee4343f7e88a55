package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "versions", mixinStandardHelpOptions = true, description = "List the versions of a template and the channels pointing at them.")
public class VersionsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("versions");
    }
}
