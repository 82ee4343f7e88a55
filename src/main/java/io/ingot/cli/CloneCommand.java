package io.ingot.cli;

import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "clone", mixinStandardHelpOptions = true, description = "Make a linked or full clone of a template.")
public class CloneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "NAME, NAME:VERSION or NAME@CHANNEL.") String source;
    @Parameters(index = "1", paramLabel = "NAME", description = "The clone's name.") String name;

    static class Kind {
        @Option(names = "--linked", required = true, description = "qcow2 overlay on the base image (instant, on the template's storage).") boolean linked;
        @Option(names = "--full", required = true, description = "Independent copy (may change storage and format).") boolean full;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Kind kind;
    @Option(names = "--storage", paramLabel = "S", description = "Target storage (default: the template's).") String storage;
    @Option(names = "--format", paramLabel = "FMT", description = "raw, qcow2 or vmdk (full clones; default qcow2).") String format;
    @Option(names = "--ssh-key", paramLabel = "FILE", description = "Public key file to authorise in the clone (repeatable).") List<Path> sshKeys = new ArrayList<>();
    @Option(names = "--json", description = "Print the clone's VM config as JSON.") boolean json;
    @Option(names = "--ram", description = {"A memory clone (with --linked): 'ingot start' resumes it from the template's",
            "RAM template in well under a second instead of booting it."}) boolean ram;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CloneService.Clone c = CatalogViews.openWithProgress().clones().clone(source, name,
                new CloneOptions(kind.linked, storage, format, sshKeys, ram));
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(c.vm().toJson());
        } else {
            out.println(c.record().kind().label() + " clone " + name + " of " + c.record().parentRef() + " on storage '"
                    + c.record().storage() + "': " + c.vm().disk().path());
        }
        out.flush();
        return 0;
    }
}
