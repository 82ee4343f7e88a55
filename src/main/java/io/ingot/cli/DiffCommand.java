package io.ingot.cli;

import io.ingot.images.ImageStore;
import io.ingot.images.VersionSboms;
import io.ingot.sbom.VersionDiff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"What changed between two template versions: packages added, removed and upgraded (from their SBOMs), "
                + "kernel, disk and RAM template sizes, recipe and inputs, lineage.",
                "With one version, what changed from its parent (the template it was built from)."})
public class DiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "NAME:VERSION (or NAME@CHANNEL); alone: the version to compare with its parent")
    String a;
    @Parameters(index = "1", paramLabel = "B", arity = "0..1", description = "NAME:VERSION (or NAME@CHANNEL) compared with A")
    String b;
    @Option(names = "--json", description = "As JSON.") boolean json;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageStore store = CatalogViews.open();
        VersionSboms sboms = new VersionSboms(store.catalog(), store.storages());
        VersionDiff d = b == null ? sboms.diff(null, a) : sboms.diff(a, b);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            CatalogViews.json(out, d);
        } else {
            out.print(d.toText());
            out.flush();
        }
        return 0;
    }
}
