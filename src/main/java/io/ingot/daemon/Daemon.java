package io.ingot.daemon;

import io.ingot.catalog.ImageStore;
import io.ingot.daemon.http.ApiErrors;
import io.ingot.daemon.http.HostAllowList;
import io.ingot.daemon.http.HttpFront;
import io.ingot.daemon.http.Replies;
import io.ingot.daemon.http.RequestGuard;
import io.ingot.daemon.http.ResponseHeaders;
import io.ingot.media.MediaFetcher;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.Recovery;
import io.ingot.pipeline.Stages;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.RestRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.file.Path;
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
 * {@code ingot serve}: one Camel Main (the build route, the nightly schedules, the build queue, the REST API of
 * routes/api.camel.yaml and the watch of the recipes folder) on the daemon's HTTP server ({@link HttpFront}).
 * Start with {@link #start}; {@link #close} stops taking builds, then Camel, then the HTTP server.
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

    private Daemon(BuildEngine engine, HttpFront front, ApiToken token, BuildQueue queue, Schedules schedules, Metrics metrics) {
        this.engine = engine;
        this.front = front;
        this.token = token;
        this.queue = queue;
        this.schedules = schedules;
        this.metrics = metrics;
    }

    public static Daemon start(IngotPaths paths, DaemonConfig config) throws Exception {
        ImageStore store = ImageStore.open(paths);
        for (String line : new Recovery(paths).run(store, false)) LOG.info("recovery: {}", line);
        Path recipesDir = config.recipesDir(paths);
        Recipes recipes = new Recipes(recipesDir, config.recipePaths(paths));
        Metrics metrics = new Metrics();
        BuildQueue queue = new BuildQueue(paths.state(), recipes);
        MediaFetcher media = new MediaFetcher(paths.cache(), line -> { }, builtin -> null);
        Schedules schedules = new Schedules(recipes, queue, new ScheduleStates(paths.state()), metrics,
                config.pauseAfterFailures(), config.scheduleOverride(), new MediaIdentity(media, paths.cache()));
        queue.gate(schedules);
        queue.listen(schedules);
        queue.listen((job, recipe, build) -> metrics.build(job.recipe(), build != null && build.failure() == null ? "succeeded" : "failed",
                build == null ? null : Duration.between(build.started(), Instant.now()),
                build == null ? List.of() : build.timings().entries()));
        ApiToken token = ApiToken.loadOrCreate(paths.state());
        TemplatesApi templates = new TemplatesApi(store);
        BuildsApi builds = new BuildsApi(store, queue);
        InetAddress bind = config.bindAddress();
        HttpFront front;
        try {
            front = HttpFront.start(new HttpFront.Settings(bind, config.port(), config.idle(), config.requestTime(), MAX_LOG_FOLLOWERS),
                    new RequestGuard(HostAllowList.forDaemon(bind, config.hostNames()), token::accepts, config.openReads()), builds);
        } catch (Exception e) {
            metrics.close();
            throw new UserError("cannot listen on " + config.bind() + ":" + config.port() + ": " + e.getMessage());
        }
        BuildEngine engine = null;
        try {
            metrics.gauge("ingot.builds.queued", "Builds waiting in the queue.", () -> queue.counts().getOrDefault("queued", 0L));
            metrics.gauge("ingot.builds.running", "Builds running now.", () -> queue.counts().getOrDefault("running", 0L));
            metrics.gauge("ingot.http.log.followers", "Build logs streamed to clients now (?follow=1).", () -> front.follower().active());
            metrics.gauge("ingot.http.connections", "HTTP connections open now.", front::connections);

            Map<String, Object> beans = new HashMap<>(front.camelBeans());
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
            props.setProperty("ingot.maxConcurrentBuilds", Integer.toString(config.maxConcurrentBuilds()));
            props.setProperty("ingot.recipesDir", recipesDir.toAbsolutePath().toString());
            engine = new BuildEngine(Stages.standard(paths), ROUTES, beans, props);

            queue.start(engine.camelContext().createProducerTemplate(), engine.runner(paths));
            schedules.register(engine.camelContext());
            front.ready(allowedMethods(engine.camelContext()));
            LOG.info("ingot daemon on http://{}:{}/ (images {}, recipes {}, at most {} build(s) at once)",
                    config.bind(), front.port(), paths.images(), recipes.dir(), config.maxConcurrentBuilds());
            return new Daemon(engine, front, token, queue, schedules, metrics);
        } catch (Exception | Error e) {
            if (engine != null) engine.close();
            front.close();
            metrics.close();
            throw e;
        }
    }

    public int port() { return front.port(); }

    public ApiToken token() { return token; }

    public BuildQueue queue() { return queue; }

    public Schedules schedules() { return schedules; }

    @Override
    public void close() {
        queue.stop();
        engine.close();
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
