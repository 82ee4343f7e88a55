package io.ingot.daemon;

import io.ingot.daemon.http.ApiErrors;
import io.ingot.daemon.http.HostAllowList;
import io.ingot.daemon.http.HttpFront;
import io.ingot.daemon.http.Replies;
import io.ingot.daemon.http.RequestGuard;
import io.ingot.daemon.http.ResponseHeaders;
import io.ingot.distribution.S3Clients;
import io.ingot.distribution.S3Location;
import io.ingot.fleet.Broker;
import io.ingot.fleet.BrokerConnection;
import io.ingot.fleet.Delivery;
import io.ingot.fleet.LocalDelivery;
import io.ingot.fleet.Worker;
import io.ingot.fleet.WorkerProfile;
import io.ingot.fleet.WorkerRecovery;
import io.ingot.images.ImageStore;
import io.ingot.media.MediaFetcher;
import io.ingot.media.MirrorChooser;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.Recovery;
import io.ingot.pipeline.stage.StandardStages;
import io.ingot.tls.ServerIdentity;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.RestRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ingot serve}: one Camel Main (the build route, the nightly schedules, the build queue on the broker, the
 * daemon's own worker, the REST API of routes/api.camel.yaml and the watch of the recipes folder) on the daemon's
 * HTTP server ({@link HttpFront}), with the build broker embedded unless an external one is configured.
 * Start with {@link #start}; {@link #close} stops Camel (its own worker's builds go back to the broker), then
 * the broker, then the HTTP server.
 */
public final class Daemon implements AutoCloseable {
    public static final String ROUTES = "classpath:routes/*.camel.yaml";
    /** Build logs followed at once ({@code ?follow=1}); more get 503. */
    static final int MAX_LOG_FOLLOWERS = 32;
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final BuildEngine engine;
    private final HttpFront front;
    private final ApiToken token;
    private final BuildQueue queue;
    private final Schedules schedules;
    private final Metrics metrics;
    private final Broker broker;
    private final BrokerConnection connection;
    private final Worker worker;

    private Daemon(BuildEngine engine, HttpFront front, ApiToken token, BuildQueue queue, Schedules schedules, Metrics metrics,
                   Broker broker, BrokerConnection connection, Worker worker) {
        this.engine = engine;
        this.front = front;
        this.token = token;
        this.queue = queue;
        this.schedules = schedules;
        this.metrics = metrics;
        this.broker = broker;
        this.connection = connection;
        this.worker = worker;
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
        ImageStore store = ImageStore.open(paths);
        for (String line : new Recovery(paths).run(store, false)) LOG.info("recovery: {}", line);
        Path recipesDir = config.recipesDir(paths);
        Recipes recipes = new Recipes(recipesDir, config.recipePaths(paths));
        ApiToken token = ApiToken.loadOrCreate(paths.state());
        DaemonConfig.Broker b = config.broker();
        S3Location bucket = b.storage() == null ? null : S3Location.parse(b.storage());
        Broker broker = b.url() == null ? Broker.start(paths.state().resolve("broker"), b.listen(), token.value(), tls) : null;
        BrokerConnection connection;
        try {
            connection = BrokerConnection.open(broker != null ? broker.inVmUrl() : b.url(), token.value()).check();
        } catch (RuntimeException e) {
            if (broker != null) broker.close();
            throw e;
        }
        Metrics metrics = new Metrics();
        MediaFetcher media = new MediaFetcher(paths.cache(), line -> { }, builtin -> null);
        MediaIdentity identity = new MediaIdentity(media, paths.cache(), store.catalog(), MirrorChooser.ofHost());
        FleetRequests requests = new FleetRequests(store, recipes, identity, bucket, s3, b.maxAttempts());
        BuildQueue queue = new BuildQueue(paths.state(), recipes, requests, new Registrar(store, s3));
        Schedules schedules = new Schedules(recipes, queue, new ScheduleStates(paths.state()), metrics,
                config.pauseAfterFailures(), config.scheduleOverride(), identity);
        queue.listen(schedules);
        queue.listen((job, outcome) -> metrics.build(job.recipe(), outcome.succeeded() ? "succeeded" : "failed",
                outcome.started() == null ? null : Duration.between(outcome.started(), Instant.now()), outcome.stages()));
        Workers workers = new Workers(Clock.systemUTC());
        // the daemon's own worker: builds here, publishes straight into this catalog, whatever the requests' delivery
        boolean local = config.maxConcurrentBuilds() > 0;
        for (String line : new WorkerRecovery(paths).run()) LOG.info("recovery: {}", line);
        WorkerProfile profile = new WorkerProfile("daemon@" + WorkerProfile.hostName(), WorkerProfile.hostName(),
                Math.max(1, config.maxConcurrentBuilds()), local ? WorkerProfile.probeLabels(paths, bucket != null, List.of()) : List.of(),
                List.of("local", requests.deliver()));
        Delivery inPlace = new LocalDelivery(store);
        Worker worker = new Worker(profile, paths, deliver -> inPlace, false);
        TemplatesApi templates = new TemplatesApi(store);
        BuildsApi builds = new BuildsApi(store, queue);
        InetAddress bind = config.bindAddress();
        HttpFront front;
        try {
            front = HttpFront.start(new HttpFront.Settings(bind, config.port(), config.idle(), config.requestTime(), MAX_LOG_FOLLOWERS, tls),
                    new RequestGuard(HostAllowList.forDaemon(bind, config.hostNames()), token::accepts, config.openReads()), builds);
        } catch (Exception e) {
            metrics.close();
            connection.close();
            if (broker != null) broker.close();
            throw new UserError("cannot listen on " + config.bind() + ":" + config.port() + ": " + e.getMessage());
        }
        BuildEngine engine = null;
        try {
            metrics.gauge("ingot.builds.queued", "Builds waiting in the queue.", () -> queue.counts().getOrDefault("queued", 0L));
            metrics.gauge("ingot.builds.running", "Builds running now.", () -> queue.counts().getOrDefault("running", 0L));
            metrics.gauge("ingot.http.log.followers", "Build logs streamed to clients now (?follow=1).", () -> front.follower().active());
            metrics.gauge("ingot.http.connections", "HTTP connections open now.", front::connections);

            Map<String, Object> beans = new HashMap<>(front.camelBeans());
            beans.put("jms", connection.transacted());
            beans.put("events", connection.events());
            beans.put("worker", worker);
            beans.put("workers", workers);
            beans.put("fleetApi", new FleetApi(queue, workers, recipes, broker, b.url()));
            beans.put("buildQueue", queue);
            beans.put("schedules", schedules);
            beans.put("templatesApi", templates);
            beans.put("filesApi", new FilesApi(store, templates));
            beans.put("buildsApi", builds);
            beans.put("recipeWatch", new RecipeWatch(recipesDir));
            beans.put("metrics", metrics);
            beans.put("apiErrors", new ApiErrors());
            beans.put("replies", new Replies());
            beans.put("responseHeaders", new ResponseHeaders());
            Properties props = new Properties();
            props.setProperty("ingot.worker.enabled", Boolean.toString(local));
            props.setProperty("ingot.worker.concurrency", Integer.toString(profile.concurrency()));
            props.setProperty("ingot.worker.selector", profile.selector());
            props.setProperty("ingot.recipesDir", recipesDir.toAbsolutePath().toString());
            props.setProperty("ingot.api.host", front.authority());
            props.setProperty("ingot.api.scheme", front.scheme());
            engine = new BuildEngine(StandardStages.of(paths), ROUTES, beans, props);

            worker.start(engine.runner(paths), engine.camelContext().createProducerTemplate());
            queue.start(engine.camelContext().createProducerTemplate());
            schedules.register(engine.camelContext());
            front.ready(allowedMethods(engine.camelContext()));
            LOG.info("ingot daemon on {}://{}:{}/ (images {}, recipes {}, {}; broker {})",
                    front.scheme(), config.bind(), front.port(), paths.images(), recipes.dir(),
                    local ? "its own worker runs " + config.maxConcurrentBuilds() + " build(s) at once, labels " + String.join(",", profile.labels())
                            : "only workers build",
                    broker != null ? "embedded" + (broker.tcpUrl() == null ? "" : ", workers connect to " + broker.tcpUrl() + (broker.tls() ? " (TLS)" : ""))
                            : BrokerConnection.display(b.url()));
            return new Daemon(engine, front, token, queue, schedules, metrics, broker, connection, worker);
        } catch (Exception | Error e) {
            if (engine != null) engine.close();
            front.close();
            metrics.close();
            connection.close();
            if (broker != null) broker.close();
            throw e;
        }
    }

    public int port() { return front.port(); }

    /** {@code https} when serving TLS, else {@code http}. */
    public String scheme() { return front.scheme(); }

    public ApiToken token() { return token; }

    public BuildQueue queue() { return queue; }

    public Schedules schedules() { return schedules; }

    /** The embedded broker, or null when the daemon uses an external one. */
    public Broker broker() { return broker; }

    @Override
    public void close() {
        worker.stopping();
        engine.close();
        connection.close();
        if (broker != null) broker.close();
        front.close();
        metrics.close();
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
