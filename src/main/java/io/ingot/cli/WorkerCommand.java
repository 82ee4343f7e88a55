package io.ingot.cli;

import io.ingot.fleet.WorkerProcess;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {
                "Build for a daemon: take build requests from its broker, build them like 'ingot build', and "
                        + "deliver the templates through the fleet's S3 bucket (the daemon registers them).",
                "Runs until stopped (Ctrl-C). The broker password is the daemon's API token: INGOT_TOKEN, or "
                        + "--token-file. S3 credentials and endpoint come from AWS_* as for 'ingot s3'. A daemon serving "
                        + "--tls takes workers on TLS only: give --tls-fingerprint (printed by 'ingot serve --tls') or "
                        + "--tls-ca."})
public class WorkerCommand implements Callable<Integer> {
    @Option(names = "--broker", required = true, paramLabel = "URL",
            description = "The daemon's broker: tcp://HOST:PORT (broker.listen in its daemon.yaml, or its external "
                    + "broker).")
    String broker;

    @Option(names = "--s3", paramLabel = "s3://BUCKET[/PREFIX]",
            description = "The fleet's bucket (broker.storage in the daemon's daemon.yaml), where built templates go.")
    String s3;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "1", description = "Builds at once (default 1).")
    int concurrency;

    @Option(names = "--label", paramLabel = "LABEL", description = "A label of this worker besides those it finds itself (kvm/tcg, arch, s3, rbd); repeatable.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", description = "This worker's name on the daemon's page (default: the host name).")
    String name;

    @Mixin
    TlsClientOptions tls = new TlsClientOptions();

    @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding the daemon's API token (instead of INGOT_TOKEN).")
    String tokenFile;

    @Override
    public Integer call() throws Exception {
        String token = System.getenv("INGOT_TOKEN");
        if (tokenFile != null) {
            try {
                token = Files.readString(Path.of(tokenFile)).strip();
            } catch (IOException e) {
                throw new UserError("--token-file: cannot read " + tokenFile + ": " + e.getMessage());
            }
        }
        if (token == null || token.isBlank()) {
            throw new UserError("no broker password: set INGOT_TOKEN to the daemon's API token (images/.ingot/api-token on its host), or give --token-file");
        }
        WorkerProcess.Settings settings = new WorkerProcess.Settings(broker, token, s3, concurrency, labels, name, tls.trust());
        try (WorkerProcess worker = WorkerProcess.start(IngotPaths.fromEnvironment(), settings, System.out::println)) {
            Runtime.getRuntime().addShutdownHook(new Thread(worker::close));
            worker.awaitStop();
        }
        return 0;
    }
}
