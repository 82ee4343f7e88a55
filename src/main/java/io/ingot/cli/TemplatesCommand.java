package io.ingot.cli;

import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.Catalog;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.Lineage;
import io.ingot.catalog.TemplateVersion;
import io.ingot.template.TemplateRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "templates", mixinStandardHelpOptions = true,
        description = {"List published templates: versions, channels, size, clones, RAM templates and where they were pushed.",
                "One made from another (from:) is listed under its parent, marked 'parent moved' when its newest version "
                        + "was built from a version its parent's channel no longer points at."})
public class TemplatesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Spec CommandSpec spec;

    /**
     * One template in the listing; {@code broken}: versions whose files are missing or incomplete; {@code parent}:
     * the template its newest version was made from, {@code parentMoved} when that parent's channel moved on since;
     * {@code pushed}: where its versions went with {@code ingot push} ("VERSION: TARGET REFERENCE at LOCATION").
     */
    public record Row(String name, List<Integer> versions, Map<String, Integer> channels, long sizeBytes, int clones, boolean ramTemplate,
                      List<Integer> broken, String parent, boolean parentMoved, List<String> pushed) { }

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut());
    }

    /** The command itself, also run without picocli by {@link Main} for its plain forms. */
    int run(PrintWriter out) throws Exception {
        Catalog catalog = CatalogViews.catalog();
        List<CloneRecord> clones = catalog.clones();
        List<Row> rows = new ArrayList<>();
        Lineage lineage = new Lineage(catalog);
        List<DeliveryRecord> deliveries = new Deliveries(catalog).all();
        for (String name : catalog.templateNames()) {
            List<TemplateVersion> vs = catalog.versions(name);
            long size = vs.stream().mapToLong(v -> v.manifest().disk() == null || v.manifest().disk().actualSize() == null ? 0 : v.manifest().disk().actualSize()).sum();
            boolean ram = vs.stream().anyMatch(v -> v.manifest().ram() != null);
            int n = (int) clones.stream().filter(c -> c.template().equals(name)).count();
            TemplateVersion newest = vs.get(vs.size() - 1);
            rows.add(new Row(name, vs.stream().map(TemplateVersion::version).toList(), catalog.channels(name), size, n, ram,
                    vs.stream().filter(TemplateVersion::broken).map(TemplateVersion::version).toList(),
                    newest.manifest().parent(), lineage.parentMoved(newest),
                    deliveries.stream().filter(d -> d.template().equals(name) && vs.stream().anyMatch(v -> v.version() == d.version()))
                            .map(d -> d.version() + ": " + d.target() + " " + d.reference() + " at " + d.location()).toList()));
        }
        List<Row> listed = tree(rows);
        if (json) {
            CatalogViews.json(out, listed);
        } else {
            List<List<String>> cells = listed.stream().map(r -> List.of(indent(r, listed) + r.name(),
                    String.join(",", r.versions().stream().map(v -> v + (r.broken().contains(v) ? "(broken)" : "")).toList()),
                    r.channels().isEmpty() ? "-" : String.join(",", r.channels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()),
                    CatalogViews.size(r.sizeBytes()), String.valueOf(r.clones()),
                    r.parent() == null ? "-" : r.parent() + (r.parentMoved() ? " (parent moved)" : ""), r.ramTemplate() ? "yes" : "no",
                    r.pushed().isEmpty() ? "-" : String.join("; ", r.pushed()))).toList();
            // the FROM column only where some template was built from another
            boolean derived = listed.stream().anyMatch(r -> r.parent() != null);
            List<String> header = new ArrayList<>(List.of("NAME", "VERSIONS", "CHANNELS", "SIZE", "CLONES", "FROM", "RAM", "PUSHED"));
            // the PUSHED column only where some version went to a push target
            if (listed.stream().allMatch(r -> r.pushed().isEmpty())) {
                header.remove("PUSHED");
                cells = cells.stream().map(c -> c.subList(0, 7)).toList();
            }
            if (!derived) {
                header.remove("FROM");
                cells = cells.stream().map(c -> { List<String> l = new ArrayList<>(c); l.remove(5); return List.copyOf(l); }).toList();
            }
            CatalogViews.table(out, header, cells);
        }
        return 0;
    }

    /** Templates made from another listed right after it (and theirs after them), the rest by name. */
    static List<Row> tree(List<Row> rows) {
        Map<String, Row> byName = new LinkedHashMap<>();
        for (Row r : rows) byName.put(r.name(), r);
        List<Row> out = new ArrayList<>();
        for (Row r : rows) if (parentName(r) == null || !byName.containsKey(parentName(r))) addWithChildren(r, rows, out);
        for (Row r : rows) if (!out.contains(r)) out.add(r); // a cycle cannot be built, but a hand-edited catalog could hold one
        return out;
    }

    private static void addWithChildren(Row r, List<Row> rows, List<Row> out) {
        if (out.contains(r)) return;
        out.add(r);
        for (Row c : rows) if (r.name().equals(parentName(c))) addWithChildren(c, rows, out);
    }

    private static String parentName(Row r) {
        return r.parent() == null ? null : TemplateRef.parse(r.parent()).name();
    }

    /** Two spaces per ancestor listed above, then a branch mark. */
    private static String indent(Row r, List<Row> rows) {
        int depth = 0;
        Set<String> seen = new HashSet<>();
        for (Row at = r; parentName(at) != null && seen.add(at.name()); ) {
            String p = parentName(at);
            at = rows.stream().filter(x -> x.name().equals(p)).findFirst().orElse(null);
            if (at == null) break;
            depth++;
        }
        return depth == 0 ? "" : "  ".repeat(depth - 1) + "└ ";
    }
}
