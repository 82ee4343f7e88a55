package io.ingot.cli;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.VersionSboms;
import io.ingot.sbom.Feeds;
import io.ingot.sbom.Finding;
import io.ingot.sbom.Scan;
import io.ingot.sbom.Severity;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "scan", mixinStandardHelpOptions = true,
        description = {"Match a template version's SBOM against an offline vulnerability feed: OSV JSON (a record, a list, "
                + "a folder or a zip of them) or Debian's security tracker JSON.",
                "Exit code 1 when a finding is above --max-severity (and not --allow'ed), as publish.gate would fail the build."})
public class ScanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME:VERSION") String ref;
    @Option(names = "--feed", required = true, paramLabel = "FILE", description = "The feed (repeatable).") List<Path> feeds;
    @Option(names = "--max-severity", paramLabel = "LEVEL", defaultValue = "critical",
            description = "Findings above this fail the scan: none, low, medium, high, critical (default critical: the scan only lists).")
    String maxSeverity;
    @Option(names = "--allow", paramLabel = "ID", description = "An advisory id that never fails the scan (repeatable).")
    List<String> allow = new ArrayList<>();
    @Option(names = "--json", description = "As JSON.") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Severity max;
        try {
            max = Severity.parseLevel(maxSeverity);
        } catch (IllegalArgumentException e) {
            throw new UserError("--max-severity: " + e.getMessage());
        }
        ImageStore store = CatalogViews.open();
        VersionSboms sboms = new VersionSboms(store.catalog(), store.storages());
        TemplateVersion v = sboms.version(ref);
        List<io.ingot.sbom.Advisory> advisories = new ArrayList<>();
        for (Path f : feeds) advisories.addAll(Feeds.load(f));
        List<Finding> findings = Scan.of(sboms.require(v), advisories);
        List<Finding> blocking = Scan.blocking(findings, max, allow);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            CatalogViews.json(out, Map.of("version", v.ref(), "findings", findings, "failing", blocking));
        } else {
            for (Finding f : findings) out.println((blocking.contains(f) ? "FAIL " : "     ") + f.describe());
            out.println(v.ref() + ": " + findings.size() + " finding(s) in " + advisories.size() + " advisories, "
                    + blocking.size() + " above " + max.label());
            out.flush();
        }
        return blocking.isEmpty() ? 0 : 1;
    }
}
