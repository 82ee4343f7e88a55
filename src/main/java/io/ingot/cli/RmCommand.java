package io.ingot.cli;

import io.ingot.images.CloneInstances;
import io.ingot.images.ImageStore;
import io.ingot.target.PushedCopies;
import io.ingot.target.Targets;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "rm", mixinStandardHelpOptions = true,
        description = {"Remove a clone (NAME) or a template version (NAME:VERSION).",
                "A version is refused while linked clones use it, here or on a push target (ingot push); while a channel points at it, only with --force (the channel is dropped).",
                "A running clone is refused; the QEMU of an interrupted start, and a clone an interrupted 'ingot clone' left half-made, are removed."})
public class RmCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME|NAME:VERSION") String target;
    @Option(names = "--force", description = "Also remove a version a channel points at (drops the channel).") boolean force;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageStore store = CatalogViews.open();
        var out = spec.commandLine().getOut();
        if (target.contains(":") || target.contains("@")) {
            TemplateRef r = TemplateRef.parse(target);
            if (r.version() == null) throw new UserError("rm takes NAME:VERSION for a template version, not '" + target + "'");
            PushedCopies pushes = new PushedCopies(store.catalog(), store.storages(), Targets.registered());
            // a linked copy deleted on its target since the push no longer holds the version
            pushes.forgetGone(r.name(), r.version(), line -> spec.commandLine().getErr().println(line));
            List<String> copies = pushes.of(r.name(), r.version());
            store.versions().remove(r.name(), r.version(), force);
            out.println("removed template version " + r);
            for (String c : copies) out.println("left behind: " + c);
        } else {
            TemplateRef.checkName(target, "clone name");
            if (store.catalog().clone(target).isEmpty() && !store.catalog().versions(target).isEmpty()) {
                throw new UserError("'" + target + "' is a template; remove one version at a time with: ingot rm " + target + ":VERSION");
            }
            out.println(new CloneInstances(store).remove(target));
        }
        out.flush();
        return 0;
    }
}
