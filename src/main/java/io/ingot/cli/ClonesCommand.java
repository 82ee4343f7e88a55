package io.ingot.cli;

import io.ingot.catalog.CloneRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "clones", mixinStandardHelpOptions = true, description = "List clones.")
public class ClonesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Spec CommandSpec spec;

    public record Row(String name, String template, int version, String kind, String storage, Instant created) { }

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut());
    }

    /** The command itself, also run without picocli by {@link Main} for its plain forms. */
    int run(PrintWriter out) throws Exception {
        List<CloneRecord> clones = CatalogViews.catalog().clones();
        if (json) {
            CatalogViews.json(out, clones.stream().map(c -> new Row(c.name(), c.template(), c.version(), c.kind().label(), c.storage(), c.created())).toList());
        } else {
            CatalogViews.table(out, List.of("NAME", "TEMPLATE", "KIND", "STORAGE", "CREATED"), clones.stream().map(c -> List.of(
                    c.name(), c.parentRef(), c.kind().label(), c.storage(), c.created().toString())).toList());
        }
        return 0;
    }
}
