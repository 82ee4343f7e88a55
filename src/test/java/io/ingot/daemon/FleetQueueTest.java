package io.ingot.daemon;

import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.S3Clients;
import io.ingot.fleet.Broker;
import io.ingot.fleet.BrokerConnection;
import io.ingot.fleet.FleetNames;
import io.ingot.fleet.LocalDelivery;
import io.ingot.fleet.Worker;
import io.ingot.fleet.WorkerProfile;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.Pipeline;
import io.ingot.pipeline.Stage;
import io.ingot.pipeline.Stages;
import io.ingot.pipeline.TemplateResult;
import io.ingot.pipeline.stage.PublishStage;
import io.ingot.template.Manifest;
import io.ingot.util.Command;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The queue, the worker and the delivery rules on a real broker (embedded Artemis, persistent journal), through
 * the real routes (queue, worker, build) and the real publish stage into a real catalog; only the build's other
 * stages are stand-ins that take no time (a qcow2 made with qemu-img is the "base image"). One request per build
 * id, results registered once, failed attempts retried then dead-lettered with their last error, a recipe never
 * queued twice, and queued requests that outlive a restart of the broker.
 */
class FleetQueueTest {
    private static final Path HOME = Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath().normalize();
    private static final String TOKEN = "fleet-test-token";

    /** Attempts of each recipe to fail (recipe name -> failures left), counted by the stand-in provision stage. */
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> builds = new ConcurrentHashMap<>();
    /** Something that happens elsewhere while a recipe's first attempt fails (recipe name -> action, run once). */
    private final Map<String, Runnable> meanwhile = new ConcurrentHashMap<>();

    @Test
    void buildsAreDeliveredOnceRetriedAndDeadLettered(@TempDir Path dir) throws Exception {
        IngotPaths paths = new IngotPaths(HOME, dir.resolve("images"), dir.resolve("cache"), dir.resolve("images/.ingot"));
        Path recipes = recipes(dir.resolve("recipes"), "fleet-ok", "fleet-flaky", "fleet-bad");
        failures.put("fleet-flaky", new AtomicInteger(1));
        failures.put("fleet-bad", new AtomicInteger(100));
        try (Fleet f = new Fleet(paths, recipes, true)) {
            BuildQueue.Submitted ok = f.queue.submit("fleet-ok", "cli");
            BuildQueue.Submitted again = f.queue.submit("fleet-ok", "api");
            assertTrue(ok.queuedNow());
            assertFalse(again.queuedNow(), "a recipe already queued is not queued twice");
            assertEquals(ok.job().id(), again.job().id());
            BuildQueue.Submitted flaky = f.queue.submit("fleet-flaky", "api");
            BuildQueue.Submitted bad = f.queue.submit("fleet-bad", "api");

            waitFor("the three builds to end", () -> Stream.of(ok, flaky, bad).noneMatch(s -> f.queue.job(s.job().id()).pending()));
            BuildJob okJob = f.queue.job(ok.job().id());
            assertEquals("succeeded", okJob.state(), okJob.toString());
            TemplateVersion v = f.store.catalog().version("fleet-ok", okJob.version()).orElseThrow();
            assertEquals(ok.job().id(), v.buildId(), "the version carries the build id: the key of its delivery");
            assertEquals(1, f.store.catalog().versions("fleet-ok").size(), "exactly one version for the build");
            assertEquals(okJob.version(), f.store.catalog().channels("fleet-ok").get("latest"));

            BuildJob flakyJob = f.queue.job(flaky.job().id());
            assertEquals("succeeded", flakyJob.state(), flakyJob.toString());
            assertEquals(2, flakyJob.attempts(), "the failed attempt was retried");
            assertTrue(flakyJob.lastError().contains("stand-in failure"), flakyJob.lastError());
            assertEquals(1, f.store.catalog().versions("fleet-flaky").size());

            BuildJob badJob = f.queue.job(bad.job().id());
            assertEquals("failed", badJob.state());
            assertEquals(3, builds.get("fleet-bad").get(), "three attempts, then no more");
            List<BuildQueue.DeadLetter> dead = f.queue.deadLetters();
            assertEquals(1, dead.size(), dead.toString());
            assertEquals(bad.job().id(), dead.get(0).id());
            assertTrue(dead.get(0).lastError().contains("stand-in failure"), dead.get(0).lastError());
            assertTrue(f.store.catalog().versions("fleet-bad").isEmpty());
            waitFor("the broker's queues to be empty", () -> f.broker.messageCount(FleetNames.BUILDS) == 0
                    && f.broker.messageCount(FleetNames.DEAD_LETTERS) == 0 && f.broker.messageCount(FleetNames.RESULTS) == 0);
            assertEquals("failed", f.store.catalog().builds().stream().filter(b -> b.id().equals(bad.job().id())).findFirst().orElseThrow().status());

            // the request delivered again after its build was published (a worker that died before acknowledging it):
            // the worker finds the version with the build's id and only reports it, the daemon registers nothing twice
            f.producer().sendBodyAndHeaders(BuildQueue.ENDPOINT, f.requests.request(okJob).toJson(),
                    Map.of(FleetNames.DELIVER, "local", FleetNames.MAX_ATTEMPTS, 3, FleetNames.DUPLICATE_ID, okJob.id() + "-again"));
            waitFor("the request delivered again to be taken", () -> f.broker.messageCount(FleetNames.BUILDS) == 0
                    && f.broker.messageCount(FleetNames.RESULTS) == 0);
            Thread.sleep(500);
            assertEquals(1, builds.get("fleet-ok").get(), "not built again");
            assertEquals(1, f.store.catalog().versions("fleet-ok").size(), "still exactly one version");
            assertEquals("succeeded", f.queue.job(ok.job().id()).state());

            // the dead letter queued again: a new build of the recipe, which now works
            failures.get("fleet-bad").set(0);
            BuildQueue.Submitted retried = f.queue.retry(bad.job().id());
            assertNotEquals(bad.job().id(), retried.job().id());
            waitFor("the retried build", () -> !f.queue.job(retried.job().id()).pending());
            assertEquals("succeeded", f.queue.job(retried.job().id()).state());
            assertTrue(f.queue.deadLetters().isEmpty());
        }
    }

    @Test
    void aRetryThatPublishesAfterANewerVersionLeavesTheChannelThereAndSaysSo(@TempDir Path dir) throws Exception {
        IngotPaths paths = new IngotPaths(HOME, dir.resolve("images"), dir.resolve("cache"), dir.resolve("images/.ingot"));
        Path recipes = recipes(dir.resolve("recipes"), "fleet-late");
        failures.put("fleet-late", new AtomicInteger(2));
        try (Fleet f = new Fleet(paths, recipes, true)) {
            // while the daemon's build (version 1 reserved) fails its first attempts, ingot build on the shell publishes 2
            meanwhile.put("fleet-late", () -> {
                try {
                    Path disk = dir.resolve("shell-build.qcow2");
                    Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "1M"), Duration.ofSeconds(30));
                    f.store.publisher().publish(new PublishRequest("fleet-late", disk, "qcow2", false,
                            Manifest.empty().withBuild("shell-build", "hash", null), List.of("local"), "latest"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            BuildQueue.Submitted late = f.queue.submit("fleet-late", "api");
            waitFor("the build to end", () -> !f.queue.job(late.job().id()).pending());
            BuildJob job = f.queue.job(late.job().id());
            assertEquals("succeeded", job.state(), job.toString());
            assertEquals(3, job.attempts());
            assertEquals(1, job.version(), "published under the number reserved for it");
            assertEquals(List.of(1, 2), f.store.catalog().versions("fleet-late").stream().map(TemplateVersion::version).toList());
            assertEquals(2, f.store.catalog().channels("fleet-late").get("latest"), "latest stays at 2, not back to 1");

            String result = "published fleet-late:1 on local (channel latest stays at 2, which is newer)";
            assertEquals(result, job.message(), "the queue's record of the build");
            assertEquals(result, f.store.catalog().builds().stream().filter(b -> b.id().equals(job.id())).findFirst().orElseThrow().message(),
                    "the catalog's record of the build (the API and the page show it)");
            String log = Files.readString(paths.builds().resolve("fleet-late").resolve(job.id()).resolve("build.log"));
            assertTrue(log.contains("channel latest stays at fleet-late:2, which is newer than fleet-late:1"), log);

            f.store.catalog().promote("fleet-late", 1, "latest");
            assertEquals(1, f.store.catalog().channels("fleet-late").get("latest"), "ingot promote still moves it anywhere");
        }
    }

    @Test
    void queuedRequestsOutliveARestartOfTheBrokerAndAreBuiltOnce(@TempDir Path dir) throws Exception {
        IngotPaths paths = new IngotPaths(HOME, dir.resolve("images"), dir.resolve("cache"), dir.resolve("images/.ingot"));
        Path recipes = recipes(dir.resolve("recipes"), "fleet-a", "fleet-b");
        List<String> ids = new ArrayList<>();
        try (Fleet f = new Fleet(paths, recipes, false)) {
            ids.add(f.queue.submit("fleet-a", "api").job().id());
            ids.add(f.queue.submit("fleet-b", "schedule").job().id());
            // the queue's count follows a committed send a moment later (Artemis adds the messages after the commit)
            waitFor("both requests on the queue", () -> f.broker.messageCount(FleetNames.BUILDS) == 2);
        }
        try (Fleet f = new Fleet(paths, recipes, false)) {
            assertEquals(2, f.broker.messageCount(FleetNames.BUILDS), "the broker's journal kept both requests");
            assertTrue(f.queue.pending("fleet-a") && f.queue.pending("fleet-b"));
            // sent again under the same build id (as after a crash between sending and noting it): kept once
            f.producer().sendBodyAndHeaders(BuildQueue.ENDPOINT, "not read", Map.of(FleetNames.DUPLICATE_ID, ids.get(0)));
            Thread.sleep(1000); // a third message, were it kept, would be counted by now
            assertEquals(2, f.broker.messageCount(FleetNames.BUILDS), "the broker's duplicate detection keeps one");
        }
        try (Fleet f = new Fleet(paths, recipes, true)) {
            waitFor("both builds", () -> ids.stream().noneMatch(id -> f.queue.job(id).pending()));
            for (String id : ids) assertEquals("succeeded", f.queue.job(id).state());
            assertEquals(1, f.store.catalog().versions("fleet-a").size());
            assertEquals(1, f.store.catalog().versions("fleet-b").size());
            assertEquals(1, builds.get("fleet-a").get(), "built once");
        }
    }

    /** Recipes named {@code names}: tiny-linux's, renamed, with its files. */
    private static Path recipes(Path dir, String... names) throws Exception {
        Files.createDirectories(dir);
        org.apache.commons.io.FileUtils.copyDirectory(HOME.resolve("recipes/tiny-linux").toFile(), dir.resolve("tiny-linux").toFile());
        for (String name : names) {
            Files.writeString(dir.resolve(name + ".yaml"), Files.readString(HOME.resolve("recipes/tiny-linux.yaml"))
                    .replace("name: tiny-linux", "name: " + name));
        }
        return dir;
    }

    /** The daemon's queue and its own worker, on one Camel context and an embedded broker. */
    private final class Fleet implements AutoCloseable {
        final Broker broker;
        final BrokerConnection connection;
        final ImageStore store;
        final BuildQueue queue;
        final FleetRequests requests;
        final BuildEngine engine;

        Fleet(IngotPaths paths, Path recipeDir, boolean worker) throws Exception {
            broker = Broker.start(paths.state().resolve("broker"), null, TOKEN);
            connection = BrokerConnection.open(broker.inVmUrl(), TOKEN).check();
            store = ImageStore.open(paths);
            Recipes recipes = new Recipes(recipeDir);
            requests = new FleetRequests(store, recipes, (c, f, u) -> c, null, S3Clients.fromEnvironment(), 3);
            queue = new BuildQueue(paths.state(), recipes, requests, new Registrar(store, S3Clients.fromEnvironment()));
            WorkerProfile profile = new WorkerProfile("test-worker", "localhost", 2, List.of("tcg", "x86_64"), List.of("local"));
            Worker w = new Worker(profile, paths, d -> new LocalDelivery(store), false);
            Map<String, Object> beans = new HashMap<>();
            beans.put("jms", connection.transacted());
            beans.put("events", connection.events());
            beans.put("worker", w);
            beans.put("workers", new Workers(java.time.Clock.systemUTC()));
            beans.put("buildQueue", queue);
            Properties props = new Properties();
            props.setProperty("ingot.worker.enabled", Boolean.toString(worker));
            props.setProperty("ingot.worker.concurrency", "2");
            props.setProperty("ingot.worker.selector", profile.selector());
            engine = new BuildEngine(new Stages(stages()), "classpath:routes/build.camel.yaml,classpath:routes/worker.camel.yaml,"
                    + "classpath:routes/queue.camel.yaml", beans, props);
            w.start(engine.runner(paths), engine.camelContext().createProducerTemplate());
            queue.start(engine.camelContext().createProducerTemplate());
        }

        org.apache.camel.ProducerTemplate producer() {
            return engine.camelContext().createProducerTemplate();
        }

        @Override
        public void close() {
            engine.close();
            connection.close();
            broker.close();
        }
    }

    /** The route's stages: prepare and template stand in, publish is the real one, the rest do nothing. */
    private List<Stage> stages() {
        List<Stage> list = new ArrayList<>();
        for (String name : List.of("recovery", "qemu", "runtime-dir", "build-key", "answer-server", "answer-files", "media", "create-disk", "installer-vm",
                "boot-command", "wait-install", "installed-vm", "wait-ssh", "provision", "sbom", "gate", "seal", "shutdown", "capture-boot", "template",
                "ram-template", "verify")) {
            list.add(new Stage() {
                @Override
                public String name() { return name; }

                @Override
                public void run(BuildContext build) throws Exception {
                    switch (name) {
                        case "recovery" -> {
                            build.images(ImageStore.open(build.paths()));
                            build.images().catalog().buildStarted(build.buildId(), build.name(), build.started());
                            builds.computeIfAbsent(build.name(), n -> new AtomicInteger()).incrementAndGet();
                        }
                        case "provision" -> {
                            AtomicInteger left = failures.get(build.name());
                            if (left != null && left.getAndDecrement() > 0) {
                                Runnable elsewhere = meanwhile.remove(build.name());
                                if (elsewhere != null) elsewhere.run();
                                throw new IllegalStateException("stand-in failure of " + build.name());
                            }
                        }
                        case "template" -> {
                            Path base = build.buildDir().resolve("base.qcow2");
                            Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "1M"), Duration.ofSeconds(30));
                            build.template(new TemplateResult(base, Manifest.empty().withBuild(build.buildId(), build.recipe().contentHash(), null)));
                        }
                        default -> { }
                    }
                }
            });
        }
        list.add(new PublishStage());
        return list;
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        Instant end = Instant.now().plus(Duration.ofSeconds(90));
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) fail("timed out waiting for " + what);
            Thread.sleep(100);
        }
    }
}
