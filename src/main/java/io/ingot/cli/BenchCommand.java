package io.ingot.cli;

import com.fasterxml.jackson.databind.ObjectWriter;
import io.ingot.bench.CliBenchmark;
import io.ingot.bench.CloneBenchmark;
import io.ingot.bench.RamBenchmark;
import io.ingot.bench.S3Curl;
import io.ingot.bench.S3TransferBenchmark;
import io.ingot.bench.TransferBenchmark;
import io.ingot.catalog.Catalog;
import io.ingot.distribution.S3Clients;
import io.ingot.distribution.S3Location;
import io.ingot.images.ImageStore;
import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuInstallation;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run benchmarks; each compares ingot with a baseline in the same run and reports the ratio.",
        subcommands = {BenchCommand.Clones.class, BenchCommand.Ram.class, BenchCommand.Cli.class, BenchCommand.Transfer.class})
public class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Writes the JSON report to images/.bench/NAME-TIMESTAMP.json and prints the table (or the JSON). */
    static Path report(IngotPaths paths, String name, Map<String, Object> result, boolean json, String table) throws IOException {
        ObjectWriter mapper = Json.PRETTY;
        Path dir = paths.images().resolve(".bench");
        Files.createDirectories(dir);
        Path file = dir.resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
        mapper.writeValue(file.toFile(), result);
        System.out.print(json ? mapper.writeValueAsString(result) + "\n" : table);
        if (!json) System.out.println("report: " + file);
        return file;
    }

    @Command(name = "ram", mixinStandardHelpOptions = true,
            description = {
                    "Cold boots of linked clones against memory clones resumed from the RAM template (spawn to cont, "
                            + "spawn to SSH with identity refreshed; p50/p95 and the ratio), and the total PSS of 1, 5 and 10 "
                            + "concurrent clones of each kind.",
                    "Writes JSON and a PNG plot to images/.bench/."})
    static class Ram implements Callable<Integer> {
        @Option(names = "--template", paramLabel = "SOURCE", defaultValue = "tiny-linux",
                description = "A template with a RAM template (default: ${DEFAULT-VALUE}).")
        String template;

        @Option(names = "--count", defaultValue = "10", description = "Starts of each kind (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--concurrent", split = ",", defaultValue = "1,5,10",
                description = "Clone counts for the memory comparison (default: ${DEFAULT-VALUE}).")
        List<Integer> concurrent;

        @Option(names = "--net", paramLabel = "NAME", description = {"Also memory clones with a NIC on this network of images/networks.yaml (one with a pool; as "
                + "root): to SSH with identity and to SSH at their address."})
        String net;

        @Option(names = "--load", paramLabel = "N", defaultValue = "0",
                description = "Run N busy loops beside the benchmark, to measure it on a loaded machine (default: ${DEFAULT-VALUE}).")
        int load;

        @Option(names = "--json", description = "Print the JSON report instead of the table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (count < 1) throw new UserError("--count must be at least 1");
            if (load < 0) throw new UserError("--load must be 0 or more");
            IngotPaths paths = IngotPaths.fromEnvironment();
            ImageStore store = ImageStore.open(paths);
            var qemu = QemuInstallation.detect();
            var accel = AcceleratorProbe.forIngot(qemu, paths).auto();
            Map<String, Object> result = new RamBenchmark(store, accel, line -> System.err.println("bench: " + line))
                    .run(template, count, concurrent, net, load);
            Path file = report(paths, "ram", result, json, RamBenchmark.table(result));
            Path png = file.resolveSibling(file.getFileName().toString().replace(".json", ".png"));
            RamBenchmark.plot(result, png);
            if (!json) System.out.println("plot: " + png);
            return 0;
        }
    }

    @Command(name = "cli", mixinStandardHelpOptions = true,
            description = {
                    "The launcher 'ingot' (as a user runs it) for each read command (templates, versions NAME, "
                            + "clones, pool, doctor --json) against 'java -version', in the same run: wall time p50/p95 and "
                            + "the ratio.",
                    "Writes a JSON report to images/.bench/."})
    static class Cli implements Callable<Integer> {
        @Option(names = "--count", defaultValue = "20", description = "Runs of each command (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--template", paramLabel = "NAME", description = "The template for 'versions NAME' (default: the first one listed).")
        String template;

        @Option(names = "--json", description = "Print the JSON report instead of the table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (count < 1) throw new UserError("--count must be at least 1");
            IngotPaths paths = IngotPaths.fromEnvironment();
            String name = template != null ? template : Catalog.open(paths.images().resolve(Catalog.FILE_NAME))
                    .templateNames().stream().findFirst().orElse(null);
            Map<String, Object> result = new CliBenchmark(paths.home().resolve("ingot"), line -> System.err.println("bench: " + line))
                    .run(count, name);
            report(paths, "cli", result, json, CliBenchmark.table(result));
            return 0;
        }
    }

    @Command(name = "clones", mixinStandardHelpOptions = true,
            description = {
                    "Linked clones through ingot's clone path against bare 'qemu-img create -b', and full clones of "
                            + "a generated data disk against 'cp --sparse=always' and 'qemu-img convert' of it.",
                    "Writes a JSON report to images/.bench/ and prints a table (or the JSON with --json)."})
    static class Clones implements Callable<Integer> {
        @Option(names = "--template", paramLabel = "SOURCE", defaultValue = "tiny-linux",
                description = "Template to clone: NAME, NAME:VERSION or NAME@CHANNEL (default: ${DEFAULT-VALUE}).")
        String template;

        @Option(names = "--count", defaultValue = "100", description = "Linked clones per side (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--storage", description = "Clone on this storage (default: the template's); on an rbd storage the baseline is 'rbd clone'.")
        String storage;

        @Option(names = "--full-data", paramLabel = "MiB", defaultValue = "1024",
                description = "Data in the full clones' generated disk, in MiB (default: ${DEFAULT-VALUE}).")
        long fullDataMiB;

        @Option(names = "--json", description = "Print the JSON report instead of the table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (count < 1) throw new UserError("--count must be at least 1");
            if (fullDataMiB < 1) throw new UserError("--full-data must be at least 1 (MiB)");
            IngotPaths paths = IngotPaths.fromEnvironment();
            ImageStore store = ImageStore.open(paths);
            Map<String, Object> result = new CloneBenchmark(store, line -> System.err.println("bench: " + line), fullDataMiB << 20)
                    .run(template, count, storage);
            report(paths, "clones", result, json, CloneBenchmark.table(result));
            return 0;
        }
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = {
                    "ingot pull of a template version from a daemon on loopback (started and stopped here) against curl of the "
                            + "same files, and curl plus sha256sum, in the same run; and the pulled files' bytes on disk.",
                    "With --s3, also ingot s3 push and ingot s3 pull through that S3 endpoint (AWS_* environment, as ingot s3) "
                            + "against the AWS SDK's PutObject and GetObject of the same files.",
                    "Writes a JSON report to images/.bench/."})
    static class Transfer implements Callable<Integer> {
        @Option(names = "--template", paramLabel = "SOURCE", defaultValue = "debian-12-minimal",
                description = "The version to pull: NAME, NAME:VERSION or NAME@CHANNEL (default: ${DEFAULT-VALUE}).")
        String template;

        @Option(names = "--count", defaultValue = "3", description = "Runs of each (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--baseline-ingot", paramLabel = "LAUNCHER",
                description = "Also measure another ingot (the launcher of another checkout, e.g. main's) the same way, with its own daemon.")
        Path baseline;

        @Option(names = "--s3", paramLabel = "URL", description = "s3://BUCKET[/PREFIX] to push and pull through too (made when missing; "
                + "each run's objects are removed after it).")
        String s3;

        @Option(names = "--json", description = "Print the JSON report instead of the table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (count < 1) throw new UserError("--count must be at least 1");
            S3Location at = s3 == null ? null : S3Location.parse(s3);
            if (baseline != null && !Files.isExecutable(baseline)) throw new UserError("--baseline-ingot " + baseline + ": not an executable launcher");
            IngotPaths paths = IngotPaths.fromEnvironment();
            ImageStore store = ImageStore.open(paths);
            Map<String, Path> launchers = new LinkedHashMap<>();
            if (baseline != null) launchers.put("baseline", baseline.toAbsolutePath());
            launchers.put("this", paths.home().resolve("ingot"));
            java.util.function.Consumer<String> progress = line -> System.err.println("bench: " + line);
            Map<String, Object> result;
            try (S3Client client = at == null ? null : S3Clients.fromEnvironment().create()) {
                result = new TransferBenchmark(store, progress, at == null ? null : new S3TransferBenchmark(client, at,
                        S3Curl.fromEnvironment(System.getenv()), progress))
                        .run(template, count, launchers);
            } catch (SdkException e) {
                throw S3Command.s3Error(e);
            }
            report(paths, "transfer", result, json, TransferBenchmark.table(result));
            return 0;
        }
    }
}
