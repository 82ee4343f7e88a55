package io.ingot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ingot.bench.CloneBenchmark;
import io.ingot.catalog.ImageStore;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run benchmarks; each compares ingot with a baseline in the same run and reports the ratio.",
        subcommands = {BenchCommand.Clones.class})
public class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "clones", mixinStandardHelpOptions = true,
            description = {"Linked clones through ingot's clone path against bare 'qemu-img create -b', and a full",
                    "clone against 'cp --sparse=always' of the same base image. Writes a JSON report to",
                    "images/.bench/ and prints a table (or the JSON with --json)."})
    static class Clones implements Callable<Integer> {
        @Option(names = "--template", paramLabel = "SOURCE", defaultValue = "tiny-linux",
                description = "Template to clone: NAME, NAME:VERSION or NAME@CHANNEL (default: ${DEFAULT-VALUE}).")
        String template;

        @Option(names = "--count", defaultValue = "100", description = "Linked clones per side (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--storage", description = "Clone on this storage (default: the template's); on an rbd storage the baseline is 'rbd clone'.")
        String storage;

        @Option(names = "--json", description = "Print the JSON report instead of the table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (count < 1) throw new UserError("--count must be at least 1");
            IngotPaths paths = IngotPaths.fromEnvironment();
            ImageStore store = ImageStore.open(paths);
            Map<String, Object> result = new CloneBenchmark(store, line -> System.err.println("bench: " + line))
                    .run(template, count, storage);
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Path dir = paths.images().resolve(".bench");
            Files.createDirectories(dir);
            Path file = dir.resolve("clones-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
            mapper.writeValue(file.toFile(), result);
            System.out.print(json ? mapper.writeValueAsString(result) + "\n" : CloneBenchmark.table(result));
            if (!json) System.out.println("report: " + file);
            return 0;
        }
    }
}
