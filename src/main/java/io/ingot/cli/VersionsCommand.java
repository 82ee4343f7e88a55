package io.ingot.cli;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.TemplateVersion;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "versions", mixinStandardHelpOptions = true, description = "List the versions of a template and the channels pointing at them.")
public class VersionsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Template name.") String name;
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Spec CommandSpec spec;

    /** {@code state}: ready, broken ({@code problem} says how) or deleting. */
    public record Row(String name, int version, List<String> channels, Instant created, Long sizeBytes, boolean revoked,
                      List<String> storages, String buildId, String state, String problem) { }

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut());
    }

    /** The command itself, also run without picocli by {@link Main} for its plain forms. */
    int run(PrintWriter out) throws Exception {
        TemplateRef.checkName(name, "template name");
        Catalog catalog = CatalogViews.catalog();
        List<TemplateVersion> vs = catalog.versions(name);
        if (vs.isEmpty()) throw new UserError("no template '" + name + "' (see: ingot templates)");
        Map<String, Integer> channels = catalog.channels(name);
        List<Row> rows = new ArrayList<>();
        for (TemplateVersion v : vs) {
            List<String> ch = channels.entrySet().stream().filter(e -> e.getValue() == v.version()).map(Map.Entry::getKey).toList();
            rows.add(new Row(v.name(), v.version(), ch, v.created(), v.manifest().disk() == null ? null : v.manifest().disk().actualSize(),
                    v.revoked(), v.storages(), v.buildId(), v.state(), v.problem()));
        }
        if (json) {
            CatalogViews.json(out, rows);
        } else {
            CatalogViews.table(out, List.of("VERSION", "CHANNELS", "CREATED", "SIZE", "REVOKED", "STATE"), rows.stream().map(r -> List.of(
                    r.name() + ":" + r.version(), r.channels().isEmpty() ? "-" : String.join(",", r.channels()),
                    r.created().toString(), CatalogViews.size(r.sizeBytes()), r.revoked() ? "yes" : "no", r.state())).toList());
            for (Row r : rows) if (r.problem() != null) out.println(r.name() + ":" + r.version() + " is " + r.state() + ": " + r.problem());
            out.flush();
        }
        return 0;
    }
}
