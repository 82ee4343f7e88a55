package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run benchmarks.")
public class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("bench");
    }
}
