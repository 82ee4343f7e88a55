package io.ingot.daemon;

import io.ingot.server.http.HttpFront;
import io.ingot.distribution.S3Clients;
import io.ingot.fleet.Broker;
import io.ingot.fleet.BrokerConnection;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.stage.StandardStages;
import io.ingot.tls.ServerIdentity;
import io.ingot.util.CloseStack;
import io.ingot.util.IngotPaths;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.RestRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ingot serve}: one Camel Main (the build route, the nightly schedules, the build queue on the broker, the
 * daemon's own worker, the REST API of routes/api.camel.yaml and the watch of the recipes folder) on the daemon's
 * HTTP server ({@link HttpFront}), with the build broker embedded unless an external one is configured. The
 * objects are built in {@link DaemonBeans}; what must be closed goes on one {@link CloseStack}, closed in reverse
 * by a start that fails half way and by {@link #close}: Camel (its own worker's builds go back to the broker),
 * the broker, then the HTTP server.
 */
public final class Daemon implements AutoCloseable {
    public static final String ROUTES = "classpath:routes/*.camel.yaml";
    /** Build logs followed at once ({@code ?follow=1}); more get 503. */
    static final int MAX_LOG_FOLLOWERS = 32;
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final DaemonBeans beans;
    private final CloseStack stack;

    private Daemon(DaemonBeans beans, CloseStack stack) {
        this.beans = beans;
        this.stack = stack;
    }

    public static Daemon start(IngotPaths paths, DaemonConfig config) throws Exception {
        return start(paths, config, S3Clients.fromEnvironment());
    }

    /** With the S3 client settings for the fleet's bucket given (tests; otherwise AWS_* of the environment). */
    public static Daemon start(IngotPaths paths, DaemonConfig config, S3Clients s3) throws Exception {
        return start(paths, config, s3, null);
    }

    /**
     * With {@code tls} (null: none), the API is served over HTTPS and the broker takes workers over TLS only.
     * Without it, listening beyond loopback is warned about in the log ({@link DaemonTls#plainWarnings}).
     */
    public static Daemon start(IngotPaths paths, DaemonConfig config, S3Clients s3, ServerIdentity tls) throws Exception {
        for (String w : DaemonTls.plainWarnings(config, tls != null)) LOG.warn("{}", w);
        CloseStack stack = new CloseStack();
        try {
            DaemonBeans beans = new DaemonBeans(paths, config, s3, tls, stack);
            BuildEngine engine = stack.push(new BuildEngine(StandardStages.of(paths), ROUTES, beans.registry(), beans.properties(config)));
            // first on stop: the worker's builds go back to the broker rather than fail with the engine
            stack.push(beans.worker::stopping);
            beans.worker.start(engine.runner(paths), engine.camelContext().createProducerTemplate());
            beans.queue.start(engine.camelContext().createProducerTemplate());
            beans.schedules.register(engine.camelContext());
            beans.front.ready(allowedMethods(engine.camelContext()));
            Broker broker = beans.broker;
            LOG.info("ingot daemon on {}://{}:{}/ (images {}, recipes {}, {}; broker {})",
                    beans.front.scheme(), config.bind(), beans.front.port(), paths.images(), beans.recipes.dir(),
                    DaemonBeans.localWorker(config) ? "its own worker runs " + config.maxConcurrentBuilds() + " build(s) at once, labels "
                            + String.join(",", beans.profile.labels()) : "only workers build",
                    broker != null ? "embedded" + (broker.tcpUrl() == null ? "" : ", workers connect to " + broker.tcpUrl() + (broker.tls() ? " (TLS)" : ""))
                            : BrokerConnection.display(beans.brokerConfig.url()));
            return new Daemon(beans, stack);
        } catch (Throwable e) {
            stack.closeAfter(e);
            throw e;
        }
    }

    public int port() { return beans.front.port(); }

    /** {@code https} when serving TLS, else {@code http}. */
    public String scheme() { return beans.front.scheme(); }

    public ApiToken token() { return beans.token; }

    public BuildQueue queue() { return beans.queue; }

    public Schedules schedules() { return beans.schedules; }

    /** The embedded broker, or null when the daemon uses an external one. */
    public Broker broker() { return beans.broker; }

    /** Stops in the reverse of the start: the worker, Camel, the broker connection, the broker, the HTTP front, the metrics. */
    @Override
    public void close() {
        try {
            stack.close();
        } catch (Exception e) {
            LOG.warn("stopping the daemon: {}", e.toString());
        }
    }

    /** The methods the REST DSL declares for a path (HEAD wherever GET is), for the Allow header of a 405. */
    private static Function<String, Set<String>> allowedMethods(CamelContext camel) {
        List<RestRegistry.RestService> services = camel.getRestRegistry().listAllRestServices();
        return path -> {
            Set<String> methods = new TreeSet<>();
            for (RestRegistry.RestService s : services) {
                String template = ((s.getBasePath() == null ? "" : s.getBasePath()) + "/"
                        + (s.getUriTemplate() == null ? "" : s.getUriTemplate())).replaceAll("/+", "/");
                if (pathPattern(template).matcher(path).matches()) methods.add(s.getMethod().toUpperCase());
            }
            if (methods.contains("GET")) methods.add("HEAD");
            return methods;
        };
    }

    /** A REST DSL path such as {@code /api/builds/{id}/log} as a pattern of request paths. */
    static Pattern pathPattern(String template) {
        StringBuilder re = new StringBuilder();
        Matcher m = Pattern.compile("\\{[^/}]+}").matcher(template);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(template.substring(last, m.start()))).append("[^/]+");
            last = m.end();
        }
        re.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(re + "/?");
    }
}
