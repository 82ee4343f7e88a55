package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "catalog", mixinStandardHelpOptions = true, description = "Catalog maintenance (reindex).")
public class CatalogCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("catalog");
    }
}
