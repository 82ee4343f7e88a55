package io.ingot.cli;

import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "promote", mixinStandardHelpOptions = true, description = "Point a channel at a template version.")
public class PromoteCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME:VERSION") String ref;
    @Parameters(index = "1", paramLabel = "CHANNEL") String channel;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        TemplateRef r = TemplateRef.parse(ref);
        if (r.version() == null) throw new UserError("promote needs NAME:VERSION, not '" + ref + "'");
        TemplateRef.checkName(channel, "channel name");
        CatalogViews.open().catalog().promote(r.name(), r.version(), channel);
        spec.commandLine().getOut().println(r.name() + "@" + channel + " -> " + r);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
