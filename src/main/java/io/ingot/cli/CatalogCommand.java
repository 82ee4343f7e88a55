package io.ingot.cli;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.ReindexResult;
import io.ingot.pipeline.Recovery;
import io.ingot.util.IngotPaths;
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
            description = {
                    "Rebuild the catalog from the storages: versions from their manifests, channels and revoked "
                            + "versions from each template's template.json, clones from their vm.json.",
                    "Runs the recovery step first; a damaged catalog file is set aside (renamed, never deleted) and "
                            + "rebuilt."})
    static class Reindex implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Recovery.Reindexed done = new Recovery(IngotPaths.fromEnvironment()).reindex();
            ReindexResult r = done.result();
            var out = spec.commandLine().getOut();
            for (String line : done.report()) out.println(line);
            out.println("reindexed: " + r.versions() + " template versions");
            for (String d : r.droppedChannels()) out.println("dropped channel " + d + " (version missing)");
            for (String c : r.restoredChannels()) out.println("restored channel " + c + " (from the storage)");
            for (String c : r.restoredClones()) out.println("restored clone " + c + " (from its vm.json)");
            for (String v : r.keptBroken()) out.println("kept " + v + " as broken: its files are gone but clones use it");
            out.flush();
            return 0;
        }
    }
}
