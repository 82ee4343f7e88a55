package io.ingot.cli;

import io.ingot.catalog.Catalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "catalog", mixinStandardHelpOptions = true, description = "Catalog maintenance (reindex).",
        subcommands = CatalogCommand.Reindex.class)
public class CatalogCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    @Command(name = "reindex", mixinStandardHelpOptions = true,
            description = "Rebuild the catalog's template versions from the manifests on the storages (channels to existing versions are kept).")
    static class Reindex implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Catalog.ReindexResult r = CatalogViews.open().versions().reindex();
            var out = spec.commandLine().getOut();
            out.println("reindexed: " + r.versions() + " template versions");
            for (String d : r.droppedChannels()) out.println("dropped channel " + d + " (version missing)");
            out.flush();
            return 0;
        }
    }
}
