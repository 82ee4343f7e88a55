package io.ingot.cli;

import io.ingot.daemon.Daemon;
import io.ingot.daemon.DaemonConfig;
import io.ingot.util.IngotPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the daemon: scheduled rebuilds, the build queue on its broker (embedded Artemis, or --broker),",
                "its own worker, REST API, web page, metrics. The REST API is described in docs/api.md; metrics are at /metrics.",
                "Settings in images/daemon.yaml; the API token (also the embedded broker's password for 'ingot worker')",
                "is made on first start, printed once and kept in images/.ingot/api-token."})
public class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "P", description = "TCP port (default: daemon.yaml's port, else 8470; 0 picks a free one).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default 127.0.0.1).")
    String bind;

    @Option(names = "--broker", paramLabel = "URL",
            description = "An external Artemis broker, tcp://HOST:PORT (default: daemon.yaml's broker.url, else the daemon embeds one).")
    String broker;

    @Override
    public Integer call() throws Exception {
        IngotPaths paths = IngotPaths.fromEnvironment();
        DaemonConfig config = DaemonConfig.load(paths).withListen(bind, port);
        if (broker != null) {
            DaemonConfig.Broker b = config.broker();
            config = config.withBroker(new DaemonConfig.Broker(broker, null, b.maxAttempts(), b.storage()));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Daemon daemon = Daemon.start(paths, config);
        if (daemon.token().created()) {
            System.out.println("API token (printed once; kept in " + paths.state().resolve("api-token") + "):");
            System.out.println("  " + daemon.token().value());
        }
        System.out.println("ingot serving on http://" + config.bind() + ":" + daemon.port() + "/  (Ctrl-C stops)");
        if (daemon.broker() != null && daemon.broker().tcpUrl() != null) {
            System.out.println("workers connect to " + daemon.broker().tcpUrl() + " (password: the API token)");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
