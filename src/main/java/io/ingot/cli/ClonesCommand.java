package io.ingot.cli;

import io.ingot.catalog.CloneRecord;
import io.ingot.images.CloneAddresses;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import io.ingot.vm.RunningClone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "clones", mixinStandardHelpOptions = true, description = "List clones.")
public class ClonesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Spec CommandSpec spec;

    /** {@code addresses}: of a running clone's NICs, NETWORK=ADDRESS (empty when it is not running). */
    public record Row(String name, String template, int version, String kind, String storage, Instant created, List<String> addresses) { }

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut());
    }

    /** The command itself, also run without picocli by {@link Main} for its plain forms. */
    int run(PrintWriter out) throws Exception {
        // the catalog and each running clone's run record: no storage is opened
        CloneAddresses running = CloneAddresses.of(IngotPaths.fromEnvironment().images());
        List<Row> rows = new ArrayList<>();
        for (CloneRecord c : CatalogViews.catalog().clones()) {
            List<String> addresses = new ArrayList<>();
            try {
                for (RunningClone.Nic n : running.running(c)) addresses.add(n.network() + "=" + (n.address() != null ? n.address() : "?"));
            } catch (UserError e) {
                addresses.add("(" + e.getMessage() + ")"); // a broken networks.yaml: the clone still gets its line
            }
            rows.add(new Row(c.name(), c.template(), c.version(), c.kind().label(), c.storage(), c.created(), addresses));
        }
        if (json) {
            CatalogViews.json(out, rows);
        } else {
            CatalogViews.table(out, List.of("NAME", "TEMPLATE", "KIND", "STORAGE", "CREATED", "ADDRESSES"), rows.stream().map(r -> List.of(
                    r.name(), r.template() + ":" + r.version(), r.kind(), r.storage(), r.created().toString(),
                    r.addresses().isEmpty() ? "-" : String.join(" ", r.addresses()))).toList());
        }
        return 0;
    }
}
