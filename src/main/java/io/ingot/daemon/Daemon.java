package io.ingot.daemon;

import io.ingot.catalog.ImageStore;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.Recovery;
import io.ingot.pipeline.Stages;
import io.ingot.util.IngotPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Properties;

/**
 * {@code ingot serve}: one Camel Main (the build route, the nightly schedules, the build queue) plus the
 * HTTP API and page. Start with {@link #start}; {@link #close} stops the HTTP side, then Camel.
 */
public final class Daemon implements AutoCloseable {
    public static final String ROUTES = "classpath:routes/*.camel.yaml";
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final BuildEngine engine;
    private final ApiServer api;
    private final ApiToken token;
    private final BuildQueue queue;
    private final Schedules schedules;

    private Daemon(BuildEngine engine, ApiServer api, ApiToken token, BuildQueue queue, Schedules schedules) {
        this.engine = engine;
        this.api = api;
        this.token = token;
        this.queue = queue;
        this.schedules = schedules;
    }

    public static Daemon start(IngotPaths paths, DaemonConfig config) throws Exception {
        ImageStore store = ImageStore.open(paths);
        for (String line : new Recovery(paths).run(store, false)) LOG.info("recovery: {}", line);
        Recipes recipes = new Recipes(config.recipesDir(paths));
        Metrics metrics = new Metrics();
        BuildQueue queue = new BuildQueue(paths.state(), recipes);
        Schedules schedules = new Schedules(recipes, queue, new ScheduleStates(paths.state()), metrics,
                config.pauseAfterFailures(), config.scheduleOverride());
        queue.gate(schedules);
        queue.listen(schedules);
        queue.listen((job, recipe, build) -> metrics.build(job.recipe(), build != null && build.failure() == null ? "succeeded" : "failed",
                build == null ? java.util.List.of() : build.timings().entries()));
        Properties props = new Properties();
        props.setProperty("ingot.maxConcurrentBuilds", Integer.toString(config.maxConcurrentBuilds()));
        BuildEngine engine = new BuildEngine(Stages.standard(paths), ROUTES,
                Map.of("buildQueue", queue, "schedules", schedules), props);
        ApiServer api = null;
        try {
            queue.start(engine.camelContext().createProducerTemplate(), engine.runner(paths));
            schedules.register(engine.camelContext());
            ApiToken token = ApiToken.loadOrCreate(paths.state());
            api = new ApiServer(new InetSocketAddress(config.bindAddress(), config.port()), store, queue, schedules,
                    metrics, token, config.openReads());
            api.start();
            LOG.info("ingot daemon on http://{}:{}/ (images {}, recipes {}, at most {} build(s) at once)",
                    config.bind(), api.port(), paths.images(), recipes.dir(), config.maxConcurrentBuilds());
            return new Daemon(engine, api, token, queue, schedules);
        } catch (Exception | Error e) {
            if (api != null) api.close();
            engine.close();
            throw e;
        }
    }

    public int port() { return api.port(); }

    public ApiToken token() { return token; }

    public BuildQueue queue() { return queue; }

    public Schedules schedules() { return schedules; }

    @Override
    public void close() {
        queue.stop();
        api.close();
        engine.close();
    }

}
