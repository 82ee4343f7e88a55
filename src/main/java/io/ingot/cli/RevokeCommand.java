package io.ingot.cli;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.Lineage;
import io.ingot.catalog.TemplateVersion;
import io.ingot.template.TemplateRef;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = {"Revoke a template version: it stays listed, channels and NAME never resolve to it, its clones keep working.",
                "With --cascade, the versions built from it (its children, theirs, ...) are revoked too."})
public class RevokeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME:VERSION") String ref;
    @Option(names = "--cascade", description = "Also revoke every version built from it (from: in their recipes).") boolean cascade;
    @Option(names = "--undo", description = "Un-revoke instead (with --cascade, its descendants too).") boolean undo;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        TemplateRef r = TemplateRef.parse(ref);
        if (r.version() == null) throw new UserError("revoke needs NAME:VERSION, not '" + ref + "'");
        Catalog catalog = CatalogViews.open().catalog();
        TemplateVersion v = catalog.version(r.name(), r.version()).orElseThrow(() -> new NotFound("no template version " + r));
        boolean revoked = !undo;
        catalog.revoke(v.name(), v.version(), revoked);
        PrintWriter out = spec.commandLine().getOut();
        out.println((revoked ? "revoked " : "un-revoked ") + v.ref());
        // a revoked version's copies on push targets keep running: say where they are
        if (revoked) for (DeliveryRecord d : new Deliveries(catalog).of(v.name(), v.version())) out.println("still there: " + d.describe());
        if (cascade) {
            List<TemplateVersion> descendants = new Lineage(catalog).descendants(v.ref());
            for (TemplateVersion d : descendants) {
                catalog.revoke(d.name(), d.version(), revoked);
                out.println((revoked ? "revoked " : "un-revoked ") + d.ref() + " (built from " + v.ref() + ")");
            }
        }
        out.flush();
        return 0;
    }
}
