package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the daemon: nightly rebuilds, build queue, REST API and web page.")
public class ServeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("serve");
    }
}
