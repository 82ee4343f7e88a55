package io.ingot.daemon;

import io.ingot.server.http.ApiErrors;
import io.ingot.server.http.HostAllowList;
import io.ingot.server.http.HttpFront;
import io.ingot.server.http.Replies;
import io.ingot.server.http.RequestGuard;
import io.ingot.server.http.ResponseHeaders;
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
import io.ingot.pipeline.Recovery;
import io.ingot.tls.ServerIdentity;
import io.ingot.util.CloseStack;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
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

/**
 * The daemon's objects, built in one place: each bean the routes ({@code routes/*.camel.yaml}) name, under that
 * name in {@link #registry}, and what they need. What must be closed goes on the given stack as it opens, in an
 * order whose reverse is the stop: the metrics, the HTTP front (requests get 503 until the routes are in), the
 * broker, its connection; a start that fails half way closes them from there.
 */
final class DaemonBeans {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonBeans.class);

    final Path recipesDir;
    final Recipes recipes;
    final ApiToken token;
    final DaemonConfig.Broker brokerConfig;
    final Metrics metrics;
    final HttpFront front;
    final BuildQueue queue;
    final Schedules schedules;
    final Broker broker;
    final BrokerConnection connection;
    final WorkerProfile profile;
    final Worker worker;
    private final Map<String, Object> registry = new HashMap<>();

    DaemonBeans(IngotPaths paths, DaemonConfig config, S3Clients s3, ServerIdentity tls, CloseStack stack) throws Exception {
        ImageStore store = ImageStore.open(paths);
        for (String line : new Recovery(paths).run(store, false)) LOG.info("recovery: {}", line);
        recipesDir = config.recipesDir(paths);
        recipes = new Recipes(recipesDir, config.recipePaths(paths));
        token = ApiToken.loadOrCreate(paths.state());
        brokerConfig = config.broker();
        S3Location bucket = brokerConfig.storage() == null ? null : S3Location.parse(brokerConfig.storage());
        metrics = stack.push(new Metrics());
        MediaFetcher media = new MediaFetcher(paths.cache(), line -> { }, builtin -> null);
        MediaIdentity identity = new MediaIdentity(media, paths.cache(), store.catalog(), MirrorChooser.ofHost());
        FleetRequests requests = new FleetRequests(store, recipes, identity, bucket, s3, brokerConfig.maxAttempts());
        queue = new BuildQueue(paths.state(), recipes, requests, new Registrar(store, s3));
        schedules = new Schedules(recipes, queue, new ScheduleStates(paths.state()), metrics,
                config.pauseAfterFailures(), config.scheduleOverride(), identity);
        queue.listen(schedules);
        queue.listen((job, outcome) -> metrics.build(job.recipe(), outcome.succeeded() ? "succeeded" : "failed",
                outcome.started() == null ? null : Duration.between(outcome.started(), Instant.now()), outcome.stages()));
        TemplatesApi templates = new TemplatesApi(store);
        BuildsApi builds = new BuildsApi(store, queue);
        InetAddress bind = config.bindAddress();
        try {
            front = stack.push(HttpFront.start(new HttpFront.Settings(bind, config.port(), config.idle(), config.requestTime(),
                    Daemon.MAX_LOG_FOLLOWERS, tls), new RequestGuard(HostAllowList.forDaemon(bind, config.hostNames()), token::accepts,
                    config.openReads()), builds));
        } catch (Exception e) {
            throw new UserError("cannot listen on " + config.bind() + ":" + config.port() + ": " + e.getMessage());
        }
        broker = brokerConfig.url() == null
                ? stack.push(Broker.start(paths.state().resolve("broker"), brokerConfig.listen(), token.value(), tls)) : null;
        // check() closes the connection itself when no broker answers
        connection = stack.push(BrokerConnection.open(broker != null ? broker.inVmUrl() : brokerConfig.url(), token.value()).check());
        // the daemon's own worker: builds here, publishes straight into this catalog, whatever the requests' delivery
        for (String line : new WorkerRecovery(paths).run()) LOG.info("recovery: {}", line);
        profile = new WorkerProfile("daemon@" + WorkerProfile.hostName(), WorkerProfile.hostName(),
                Math.max(1, config.maxConcurrentBuilds()),
                localWorker(config) ? WorkerProfile.probeLabels(paths, bucket != null, List.of()) : List.of(),
                List.of("local", requests.deliver()));
        Delivery inPlace = new LocalDelivery(store);
        worker = new Worker(profile, paths, deliver -> inPlace, false);
        Workers workers = new Workers(Clock.systemUTC());

        metrics.gauge("ingot.builds.queued", "Builds waiting in the queue.", () -> queue.counts().getOrDefault("queued", 0L));
        metrics.gauge("ingot.builds.running", "Builds running now.", () -> queue.counts().getOrDefault("running", 0L));
        metrics.gauge("ingot.http.log.followers", "Build logs streamed to clients now (?follow=1).", () -> front.follower().active());
        metrics.gauge("ingot.http.connections", "HTTP connections open now.", front::connections);

        // the names the routes use; Camel's platform-http finds the front's router and engine under names of its own
        registry.putAll(front.camelBeans());
        registry.put("jms", connection.transacted());
        registry.put("events", connection.events());
        registry.put("worker", worker);
        registry.put("workers", workers);
        registry.put("fleetApi", new FleetApi(queue, workers, recipes, broker, brokerConfig.url()));
        registry.put("buildQueue", queue);
        registry.put("schedules", schedules);
        registry.put("templatesApi", templates);
        registry.put("filesApi", new FilesApi(store, templates));
        registry.put("buildsApi", builds);
        registry.put("recipeWatch", new RecipeWatch(recipesDir));
        registry.put("metrics", metrics);
        registry.put("apiErrors", new ApiErrors());
        registry.put("replies", new Replies());
        registry.put("responseHeaders", new ResponseHeaders());
    }

    static boolean localWorker(DaemonConfig config) {
        return config.maxConcurrentBuilds() > 0;
    }

    /** Bean name -> bean, for Camel's registry (checked against the routes' names at start). */
    Map<String, Object> registry() {
        return Map.copyOf(registry);
    }

    /** The properties the routes read ({@code {{ingot.…}}}). */
    Properties properties(DaemonConfig config) {
        Properties props = new Properties();
        props.setProperty("ingot.worker.enabled", Boolean.toString(localWorker(config)));
        props.setProperty("ingot.worker.concurrency", Integer.toString(profile.concurrency()));
        props.setProperty("ingot.worker.selector", profile.selector());
        props.setProperty("ingot.recipesDir", recipesDir.toAbsolutePath().toString());
        props.setProperty("ingot.api.host", front.authority());
        props.setProperty("ingot.api.scheme", front.scheme());
        return props;
    }
}
