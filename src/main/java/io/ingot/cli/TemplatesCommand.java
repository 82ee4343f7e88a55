package io.ingot.cli;

import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.Catalog;
import io.ingot.catalog.TemplateVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "templates", mixinStandardHelpOptions = true, description = "List published templates.")
public class TemplatesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Spec CommandSpec spec;

    /** One template in the listing; {@code broken}: versions whose files are missing or incomplete. */
    public record Row(String name, List<Integer> versions, Map<String, Integer> channels, long sizeBytes, int clones, boolean ramTemplate,
                      List<Integer> broken) { }

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut());
    }

    /** The command itself, also run without picocli by {@link Main} for its plain forms. */
    int run(PrintWriter out) throws Exception {
        Catalog catalog = CatalogViews.catalog();
        List<CloneRecord> clones = catalog.clones();
        List<Row> rows = new ArrayList<>();
        for (String name : catalog.templateNames()) {
            List<TemplateVersion> vs = catalog.versions(name);
            long size = vs.stream().mapToLong(v -> v.manifest().disk() == null || v.manifest().disk().actualSize() == null ? 0 : v.manifest().disk().actualSize()).sum();
            boolean ram = vs.stream().anyMatch(v -> v.manifest().ram() != null);
            int n = (int) clones.stream().filter(c -> c.template().equals(name)).count();
            rows.add(new Row(name, vs.stream().map(TemplateVersion::version).toList(), catalog.channels(name), size, n, ram,
                    vs.stream().filter(TemplateVersion::broken).map(TemplateVersion::version).toList()));
        }
        if (json) {
            CatalogViews.json(out, rows);
        } else {
            List<List<String>> cells = rows.stream().map(r -> List.of(r.name(),
                    String.join(",", r.versions().stream().map(v -> v + (r.broken().contains(v) ? "(broken)" : "")).toList()),
                    r.channels().isEmpty() ? "-" : String.join(",", r.channels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()),
                    CatalogViews.size(r.sizeBytes()), String.valueOf(r.clones()), r.ramTemplate() ? "yes" : "no")).toList();
            CatalogViews.table(out, List.of("NAME", "VERSIONS", "CHANNELS", "SIZE", "CLONES", "RAM"), cells);
        }
        return 0;
    }
}
