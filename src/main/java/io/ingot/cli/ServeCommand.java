package io.ingot.cli;

import io.ingot.daemon.Daemon;
import io.ingot.daemon.DaemonConfig;
import io.ingot.daemon.DaemonTls;
import io.ingot.distribution.S3Clients;
import io.ingot.util.IngotPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {
                "Run the daemon: scheduled rebuilds, the build queue on its broker (embedded Artemis, or "
                        + "--broker), its own worker, REST API, web page, metrics.",
                "The REST API is described in docs/api.md; metrics are at /metrics. Settings in "
                        + "images/daemon.yaml; the API token (also the embedded broker's password for 'ingot worker') is "
                        + "made on first start, printed once and kept in images/.ingot/api-token. With --tls, the API is "
                        + "HTTPS and the broker takes workers on TLS only; plain HTTP is for 127.0.0.1."})
public class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "P", description = "TCP port (default: daemon.yaml's port, else 8470; 0 picks a free one).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default 127.0.0.1).")
    String bind;

    @Option(names = "--broker", paramLabel = "URL",
            description = "An external Artemis broker, tcp://HOST:PORT (default: daemon.yaml's broker.url, else the daemon "
                    + "embeds one).")
    String broker;

    @Option(names = "--tls", description = "Serve HTTPS, and TLS on the broker's acceptor: with --tls-cert and --tls-key, else with a "
            + "certificate made once under images/.ingot/tls/ (its SHA-256 fingerprint is printed; clients pin it).")
    boolean tls;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "The server's certificate (PEM, its chain after it); implies --tls.")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Its private key (PEM, unencrypted; keep it mode 0600).")
    String tlsKey;

    @Override
    public Integer call() throws Exception {
        IngotPaths paths = IngotPaths.fromEnvironment();
        DaemonConfig config = DaemonConfig.load(paths).withListen(bind, port);
        if (broker != null) {
            DaemonConfig.Broker b = config.broker();
            config = config.withBroker(new DaemonConfig.Broker(broker, null, b.maxAttempts(), b.storage()));
        }
        DaemonTls identity = tls || tlsCert != null || tlsKey != null ? DaemonTls.choose(paths, config, tlsCert, tlsKey, Instant.now()) : null;
        for (String w : DaemonTls.plainWarnings(config, identity != null)) {
            // loud: on standard error, framed, before anything else the daemon says
            System.err.println("WARNING: ********************************************************************");
            System.err.println("WARNING: " + w);
            System.err.println("WARNING: ********************************************************************");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Daemon daemon = Daemon.start(paths, config, S3Clients.fromEnvironment(), identity == null ? null : identity.identity());
        if (daemon.token().created()) {
            System.out.println("API token (printed once; kept in " + paths.state().resolve("api-token") + "):");
            System.out.println("  " + daemon.token().value());
        }
        System.out.println("ingot serving on " + daemon.scheme() + "://" + config.bind() + ":" + daemon.port() + "/  (Ctrl-C stops)");
        if (identity != null) {
            System.out.println("TLS certificate " + identity.identity().fingerprint()
                    + (identity.selfMade() ? "  (self-made, " + identity.selfMadeDir().resolve("cert.pem") + ")" : ""));
            System.out.println("  clients: --tls-fingerprint " + identity.identity().fingerprint());
        }
        if (daemon.broker() != null && daemon.broker().tcpUrl() != null) {
            System.out.println("workers connect to " + daemon.broker().tcpUrl() + (daemon.broker().tls() ? " over TLS" : "") + " (password: the API token)");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
