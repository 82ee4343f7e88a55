package io.ingot.cli;

import io.ingot.bench.RamBenchmark;
import io.ingot.images.CloneInstances;
import io.ingot.images.ImageStore;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import io.ingot.vm.WarmPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "pool", mixinStandardHelpOptions = true,
        description = {
                "The warm pool: QEMU processes waiting (-incoming defer) for a RAM template, so that a memory "
                        + "clone's start only loads its device state.",
                "'ingot start NAME --pool N' fills it; without a subcommand this lists the waiting processes."},
        subcommands = {PoolCommand.Fill.class, PoolCommand.Drain.class})
public class PoolCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return run(spec.commandLine().getOut());
    }

    /** The listing itself, also run without picocli by {@link Main}. */
    int run(PrintWriter out) throws Exception {
        List<WarmPool.Slot> slots = pool().list();
        if (slots.isEmpty()) {
            out.println("no QEMU processes wait in the warm pool (fill it: ingot pool fill TEMPLATE --size N, or ingot start NAME --pool N)");
            return 0;
        }
        out.printf("%-9s %-20s %-8s %-5s %-8s %8s %9s%n", "ID", "TEMPLATE", "PID", "ACCEL", "STATE", "WAITING", "PSS");
        for (WarmPool.Slot s : slots) {
            out.printf("%-9s %-20s %-8d %-5s %-8s %8s %6.1f MiB%n", s.id(), s.template(), s.pid(), s.accelerator(),
                    state(s), age(s.created()), pss(s.pid()) / 1024.0);
        }
        out.flush();
        return 0;
    }

    @Command(name = "fill", mixinStandardHelpOptions = true,
            description = "Keep N QEMU processes waiting for a template's RAM template, without starting a clone.")
    static class Fill implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(paramLabel = "SOURCE", description = "NAME, NAME:VERSION or NAME@CHANNEL (a version with a RAM template).")
        String source;

        @Option(names = "--size", paramLabel = "N", defaultValue = "1", description = "How many wait (default: ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--storage", paramLabel = "S", description = "For memory clones on this storage (default: the version's first).")
        String storage;

        @Override
        public Integer call() throws Exception {
            if (size < 1) throw new UserError("--size must be at least 1, not " + size);
            int started = new CloneInstances(ImageStore.open(IngotPaths.fromEnvironment())).fillPool(source, storage, size);
            spec.commandLine().getOut().println("started " + started + " waiting QEMU process" + (started == 1 ? "" : "es")
                    + "; " + size + " wait for " + source);
            return 0;
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = "Stop the waiting processes (all, or those of one template: NAME or NAME:VERSION).")
    static class Drain implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(paramLabel = "TEMPLATE", arity = "0..1", description = "Only this template's processes.")
        String template;

        @Override
        public Integer call() {
            int n = pool().drain(s -> template == null || s.template().equals(template) || s.template().startsWith(template + ":"));
            spec.commandLine().getOut().println("stopped " + n + " waiting QEMU process" + (n == 1 ? "" : "es"));
            return 0;
        }
    }

    /**
     * What a waiting process is: {@code ready} (its guest resumed and taken through a start, NIC plugged: a claim only
     * hands it the clone), {@code incoming} (waiting for its device state), {@code orphaned} (its filler was killed
     * before recording it: listed and drained, never claimed).
     */
    static String state(WarmPool.Slot slot) {
        return slot.orphaned() ? "orphaned" : slot.ready() ? "ready" : "incoming";
    }

    private static WarmPool pool() {
        return WarmPool.of(IngotPaths.fromEnvironment());
    }

    private static String age(Instant created) {
        long s = Duration.between(created, Instant.now()).toSeconds();
        return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s / 3600 + "h";
    }

    private static long pss(long pid) {
        try {
            return RamBenchmark.pssKiB(pid);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
