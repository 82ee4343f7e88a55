package io.ingot.cli;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.template.TemplateRef;
import io.ingot.trust.Verified;
import io.ingot.util.NotFound;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check a template version's files and signed provenance again.",
                "Every file is hashed; the provenance must be signed by a trusted key over exactly those files.",
                "Prints the key and the builder; a failure says which file or key (exit 2)."})
public class VerifyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME[:VERSION|@CHANNEL]") String ref;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ImageStore store = CatalogViews.open();
        TemplateRef r = TemplateRef.parse(ref);
        // a revoked version is checked too: NAME:VERSION names it whatever its state
        TemplateVersion v = r.version() != null
                ? store.catalog().version(r.name(), r.version()).orElseThrow(() -> new NotFound("no template version " + r))
                : store.catalog().resolve(r);
        Verified ok = store.verify(v);
        spec.commandLine().getOut().println(v.ref() + ": verified: signed by key " + ok.keyId() + " (" + ok.keySource() + "), builder "
                + ok.builder() + (v.revoked() ? " (revoked)" : ""));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
