package io.ingot.cli;

import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.CloneSettings;
import io.ingot.network.NicRequest;
import io.ingot.util.Sizes;
import io.ingot.util.UserError;
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
    @Option(names = "--ram", description = {"A memory clone (with --linked): 'ingot start' resumes it from the template's RAM template "
            + "instead of booting it."}) boolean ram;
    @Option(names = "--cpus", paramLabel = "N", description = "Virtual CPUs (default: the template's).") Integer cpus;
    @Option(names = "--memory", paramLabel = "SIZE", description = "Memory, e.g. 2G (default: the template's).") String memory;
    @Option(names = "--disk-size", paramLabel = "SIZE", description = "Grow the disk to SIZE, e.g. 8G; the guest grows its root file system at boot.") String diskSize;
    @Option(names = "--hostname", paramLabel = "NAME", description = "The guest's host name (default: the clone's name).") String hostname;
    @Option(names = "--user-data", paramLabel = "FILE", description = "A #cloud-config file merged into the clone's seed (ingot keeps its access keys, host keys and "
            + "host name).") Path userData;
    @Option(names = "--net", paramLabel = "NAME[,ip=ADDR][,mac=MAC]", description = {"A NIC on a network of images/networks.yaml (repeatable, in order); 'user' is QEMU's user "
            + "network with ingot's SSH forward (the default). ip=ADDR: a static address (default: the next "
            + "free one of the network's pool, else DHCP); ip=dhcp: DHCP; mac=MAC: this MAC instead of a new "
            + "one."}) List<String> nets = new ArrayList<>();
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CloneSettings settings = new CloneSettings(cpus, memory == null ? null : (int) (bytes("--memory", memory) >> 20),
                diskSize == null ? null : bytes("--disk-size", diskSize), hostname, userData,
                nets.stream().map(NicRequest::parse).toList());
        CloneService.Clone c = CatalogViews.openWithProgress().clones().clone(source, name,
                new CloneOptions(kind.linked, storage, format, sshKeys, ram, settings));
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(c.vm().toJson());
        } else {
            out.println(c.record().kind().label() + " clone " + name + " of " + c.record().parentRef() + " on storage '"
                    + c.record().storage() + "': " + c.vm().disk().path());
            for (var nic : c.vm().nics()) {
                if (nic.onUserNetwork()) continue;
                out.println("  " + nic.network() + ": " + nic.mac() + ", " + ("dhcp".equals(nic.address()) ? "address by DHCP" : nic.address()));
            }
        }
        out.flush();
        return 0;
    }

    private static long bytes(String option, String text) {
        try {
            return Sizes.parseBytes(text);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + " '" + text + "': " + e.getMessage());
        }
    }
}
