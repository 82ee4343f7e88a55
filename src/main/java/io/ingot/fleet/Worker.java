package io.ingot.fleet;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.BuildRunner;
import io.ingot.pipeline.OnError;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import io.ingot.recipe.RecipePaths;
import io.ingot.recipe.RecipeValidator;
import io.ingot.util.Trees;
import io.ingot.util.IngotPaths;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.commons.io.output.TeeOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The bean behind {@code routes/worker.camel.yaml}: takes one build request (in the JMS transaction of its route),
 * runs it through the same build route and stages as {@code ingot build}, delivers the template and answers with
 * the result, which the route sends in the same transaction as it acknowledges the request.
 *
 * <p>A failed attempt throws: the transaction rolls back and the broker hands the request to a worker again
 * (this one or another), until its last attempt, after which the route moves it to the dead letters with the
 * error. A worker that dies holding a request (kill -9, a lost host) never commits: the broker gives the request
 * back when the worker's connection closes or its TTL runs out. That is the lease.
 */
public final class Worker {
    /** Header set on a request the route must move to the dead letters. */
    public static final String DEAD = "ingotDead";
    /** The end of a remote build's log that travels with its result. */
    static final int LOG_TAIL = 512 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    private final WorkerProfile profile;
    private final IngotPaths paths;
    private final Function<String, Delivery> deliveries;
    private final boolean console;
    private final Map<String, Current> running = new ConcurrentHashMap<>();
    private BuildRunner runner;
    private ProducerTemplate events;
    private volatile boolean stopping;

    /**
     * @param deliveries the delivery for a request's {@code deliver} value (null: this worker cannot deliver it)
     * @param console    print the builds' logs on standard output (a worker process), or not (the daemon's own)
     */
    public Worker(WorkerProfile profile, IngotPaths paths, Function<String, Delivery> deliveries, boolean console) {
        this.profile = profile;
        this.paths = paths;
        this.deliveries = deliveries;
        this.console = console;
    }

    /** Called once the Camel context runs: the build runner and a producer for events outside the transaction. */
    public void start(BuildRunner runner, ProducerTemplate events) {
        this.runner = runner;
        this.events = events;
    }

    public WorkerProfile profile() { return profile; }

    /** A build this worker runs now; {@code build} is null until the build route has it. */
    private record Current(BuildRequest request, int attempt, Instant started, BuildContext[] build, String[] phase) {
        String stage() {
            BuildContext b = build[0];
            return phase[0] != null ? phase[0] : b != null && b.stage() != null ? b.stage() : "preparing";
        }
    }

    /** Runs one request; the route sends what this returns (a result, or the request itself with {@link #DEAD} set). */
    public String build(Exchange exchange) throws Exception {
        String body = exchange.getMessage().getBody(String.class);
        Integer deliveriesSoFar = exchange.getMessage().getHeader("JMSXDeliveryCount", Integer.class);
        int attempt = deliveriesSoFar == null ? 1 : deliveriesSoFar;
        BuildRequest r = BuildRequest.fromJson(body);
        exchange.getMessage().removeHeaders("*");
        if (attempt > r.maxAttempts()) {
            // the worker of the last attempt never said how it ended: it died holding the request
            return dead(exchange, r, "attempt " + (attempt - 1) + " of " + r.maxAttempts()
                    + " ended with its worker (stopped, killed or cut off from the broker)");
        }
        Current current = new Current(r, attempt, Instant.now(), new BuildContext[1], new String[1]);
        running.put(r.id(), current);
        try {
            send(event(r, BuildEvent.STARTED, attempt, current.started(), null, null, null, null, null));
            LOG.info("build {} of {} (attempt {} of {}) started", r.id(), r.recipe(), attempt, r.maxAttempts());
            Delivery delivery = deliveries.apply(r.deliver());
            if (delivery == null) throw new IllegalStateException("this worker cannot deliver to " + r.deliver());
            String where;
            BuildContext build = null;
            Optional<String> done = delivery.delivered(r);
            if (done.isPresent()) {
                LOG.info("build {} of {} was delivered by an earlier attempt: {}", r.id(), r.recipe(), done.get());
                where = delivery.local() ? null : done.get();
            } else {
                if (!delivery.publishedHere(r)) {
                    build = run(r, delivery, current);
                    if (build.failure() != null) throw new AttemptFailed(build.failure().getMessage());
                }
                current.phase()[0] = "delivering";
                where = delivery.deliver(r);
            }
            LOG.info("build {} of {} succeeded: {}", r.id(), r.recipe(), r.ref());
            // published here: the build's own result says what became of the channel (it may have stayed on a newer
            // version); pushed elsewhere: the daemon moves the channel when it registers the version, and says so
            String message = delivery.local() && build != null && build.result() != null ? build.result()
                    : "published " + r.ref() + (r.channel() == null ? "" : ", channel " + r.channel()) + (where == null ? "" : " (" + where + ")");
            return event(r, BuildEvent.SUCCEEDED, attempt, current.started(), message,
                    r.ref(), where, build, delivery.local() ? null : log(r)).toJson();
        } catch (Exception | Error e) {
            String error = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.warn("build {} of {}: attempt {} of {} failed: {}", r.id(), r.recipe(), attempt, r.maxAttempts(), error.lines().findFirst().orElse(""));
            Delivery delivery = deliveries.apply(r.deliver());
            try {
                send(event(r, BuildEvent.FAILED, attempt, current.started(), error, null, null, current.build()[0],
                        delivery == null || delivery.local() ? null : log(r)));
            } catch (RuntimeException ex) {
                e.addSuppressed(ex);
            }
            if (attempt >= r.maxAttempts() && !stopping) return dead(exchange, r, error);
            if (e instanceof AttemptFailed af) throw af;
            throw new AttemptFailed(error, e);
        } finally {
            running.remove(r.id());
            Trees.delete(bundleDir(r.id()));
        }
    }

    private BuildContext run(BuildRequest r, Delivery delivery, Current current) throws Exception {
        current.phase()[0] = "preparing";
        Path dir = bundleDir(r.id());
        Path recipeFile = RecipeBundle.unpack(r.bundle(), r.recipeFile(), dir);
        // the bundle's folder holds everything the recipe names: the files may be nowhere else
        LoadedRecipe recipe = new RecipeLoader(new RecipeValidator(new RecipePaths(List.of(dir)))).load(recipeFile, Map.of());
        if (!recipe.recipe().name().equals(r.recipe())) {
            throw new IllegalStateException("the request is for " + r.recipe() + " but its recipe is named " + recipe.recipe().name());
        }
        BuildOptions.Pin pin = null;
        if (r.parent() != null) {
            current.phase()[0] = "fetching the parent " + r.parent().ref();
            delivery.parent(r.parent());
            pin = new BuildOptions.Pin(r.parent().ref(), r.parent().sha256());
        }
        current.phase()[0] = null;
        if (!console) {
            BuildOptions options = new BuildOptions(OnError.CLEANUP, new PrintStream(PrintStream.nullOutputStream())).forFleet(delivery.publishAs(r), pin);
            return runner.run(recipe, options, r.id(), b -> current.build()[0] = b);
        }
        // a worker on another host: the log on its console, and to the daemon as it comes
        LogShipper shipper = new LogShipper(text -> events.sendBody("events:queue:" + FleetNames.LOGS + "?deliveryPersistent=false&timeToLive=600000",
                new LogLines(r.id(), r.recipe(), text).toJson()));
        try (PrintStream out = new PrintStream(new TeeOutputStream(new LinePrefix(System.out, "[" + r.recipe() + " " + r.id() + "] "), shipper),
                true, StandardCharsets.UTF_8)) {
            BuildOptions options = new BuildOptions(OnError.CLEANUP, out).forFleet(delivery.publishAs(r), pin);
            return runner.run(recipe, options, r.id(), b -> current.build()[0] = b);
        }
    }

    private String dead(Exchange exchange, BuildRequest r, String error) {
        LOG.warn("build {} of {} goes to the dead letters after {} attempt(s): {}", r.id(), r.recipe(), r.maxAttempts(),
                error.lines().findFirst().orElse(""));
        exchange.getMessage().setHeader(DEAD, true);
        exchange.getMessage().setHeader(FleetNames.LAST_ERROR, error.length() > 4000 ? error.substring(0, 4000) : error);
        return r.toJson();
    }

    private BuildEvent event(BuildRequest r, String kind, int attempt, Instant started, String message, String ref, String s3,
                             BuildContext build, String log) {
        return new BuildEvent(r.id(), r.recipe(), kind, profile.name(), attempt, Instant.now(), started, message, ref, s3,
                build == null ? List.of() : build.timings().entries(), log);
    }

    private void send(BuildEvent e) {
        events.sendBody("events:queue:" + FleetNames.RESULTS, e.toJson());
    }

    /** The end of the build's log, for a daemon on another host. */
    private String log(BuildRequest r) {
        Path file = paths.builds().resolve(r.recipe()).resolve(r.id()).resolve("build.log");
        if (!Files.isRegularFile(file)) return null;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(0, f.length() - LOG_TAIL);
            byte[] buf = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(buf);
            return (from > 0 ? "(the first " + from + " bytes are on the worker, " + file + ")\n" : "")
                    + new String(buf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** Where a request's recipe bundle is unpacked while it builds (what {@link WorkerRecovery} finds after a crash). */
    Path bundleDir(String id) {
        return paths.state().resolve("fleet").resolve(id);
    }

    /** What the heartbeat says now. */
    public String heartbeat() {
        List<Heartbeat.Running> builds = new ArrayList<>();
        for (Current c : running.values()) {
            builds.add(new Heartbeat.Running(c.request().id(), c.request().recipe(), c.stage(), c.attempt(), c.started()));
        }
        return new Heartbeat(profile.name(), profile.host(), profile.labels(), profile.concurrency(),
                WorkerProfile.freeDisk(paths), builds, Instant.now(), stopping).toJson();
    }

    /** The worker stops: its requests in flight go back to the broker; a failure now is not the build's. */
    public void stopping() {
        stopping = true;
    }

    /** A failed attempt: the route rolls back and the broker redelivers the request. */
    static final class AttemptFailed extends Exception {
        AttemptFailed(String message) {
            super(message);
        }

        AttemptFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
