package io.ingot.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.BuildRunner;
import io.ingot.pipeline.OnError;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.template.TemplateRef;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The one build queue of the daemon (scheduled, API and CLI builds). A queued build is a file
 * {@code <state>/queue/<recipe>.json}, so a recipe is never queued twice and the queue survives a restart;
 * the job id is sent to {@code seda:build-queue}, whose consumers (maxConcurrentBuilds of them, see
 * routes/queue.camel.yaml) call {@link #run}. While it runs, the file sits in {@code queue/running/};
 * a build interrupted by a restart is queued again.
 */
public final class BuildQueue {
    public static final String ENDPOINT = "seda:build-queue";
    private static final Logger LOG = LoggerFactory.getLogger(BuildQueue.class);
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    /** Told when a build starts and ends (the schedules count failures and hash inputs, the metrics count builds). */
    public interface Listener {
        /** Right before the build runs, with the recipe it runs from. */
        default void started(BuildJob job, LoadedRecipe recipe) { }

        void finished(BuildJob job, LoadedRecipe recipe, BuildContext build);
    }

    /** Asked before a scheduled build starts: a reason to skip it, or null to build. */
    public interface Gate {
        String skipReason(BuildJob job, LoadedRecipe recipe) throws IOException;
    }

    private final Path dir;
    private final Path runningDir;
    private final Recipes recipes;
    private final Map<String, BuildJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> recipeLocks = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new ArrayList<>();
    private Gate gate = (j, r) -> null;
    private ProducerTemplate producer;
    private BuildRunner runner;
    private volatile boolean stopping;

    public BuildQueue(Path stateDir, Recipes recipes) {
        this.dir = stateDir.resolve("queue");
        this.runningDir = dir.resolve("running");
        this.recipes = recipes;
    }

    public void listen(Listener l) { listeners.add(l); }

    public void gate(Gate g) { this.gate = g; }

    /** Starts taking builds: re-queues what a previous daemon left queued or running. */
    public synchronized void start(ProducerTemplate producer, BuildRunner runner) throws IOException {
        this.producer = producer;
        this.runner = runner;
        Files.createDirectories(runningDir);
        List<BuildJob> left = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                left.add(JSON.readValue(f.toFile(), BuildJob.class).with("queued", null));
            }
        }
        try (Stream<Path> files = Files.list(runningDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                BuildJob j = JSON.readValue(f.toFile(), BuildJob.class);
                Path queued = dir.resolve(f.getFileName());
                if (Files.exists(queued)) {
                    LOG.info("build {} of {} was interrupted by a restart; a build of it is queued already", j.id(), j.recipe());
                } else {
                    // it started under its id (a build record exists): the retry is a new build
                    BuildJob retry = new BuildJob(runner.newId(), j.recipe(), j.source(), j.submitted(), "queued", null);
                    write(queued, retry);
                    LOG.info("build {} of {} was interrupted by a restart: queued again as {}", j.id(), j.recipe(), retry.id());
                    left.add(retry);
                }
                Files.delete(f);
            }
        }
        left.sort(Comparator.comparing(BuildJob::submitted));
        for (BuildJob j : left) {
            jobs.put(j.id(), j);
            LOG.info("build {} of {} still queued from before the restart", j.id(), j.recipe());
            producer.asyncSendBody(ENDPOINT, j.id());
        }
    }

    /** Queues a build of the recipe named {@code recipe}; a build already queued for it is returned instead. */
    public synchronized Submitted submit(String recipe, String source) {
        TemplateRef.checkName(recipe, "recipe name");
        if (producer == null) throw new IllegalStateException("queue not started");
        Path file = dir.resolve(recipe + ".json");
        if (Files.isRegularFile(file)) {
            try {
                BuildJob queued = JSON.readValue(file.toFile(), BuildJob.class);
                return new Submitted(jobs.getOrDefault(queued.id(), queued), false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        recipes.get(recipe); // refuses an unknown recipe now, not when the build starts
        BuildJob job = new BuildJob(runner.newId(), recipe, source, Instant.now(), "queued", null);
        write(file, job);
        jobs.put(job.id(), job);
        LOG.info("queued build {} of {} ({})", job.id(), recipe, source);
        producer.asyncSendBody(ENDPOINT, job.id());
        return new Submitted(job, true);
    }

    /** What {@link #submit} did: the job, and whether it was queued now (false: one was already queued). */
    public record Submitted(BuildJob job, boolean queuedNow) { }

    /**
     * Stops taking builds (the daemon is shutting down): queued builds stay queued for the next start,
     * and a build that fails while the daemon stops is queued again then rather than counted as failed.
     */
    public void stop() {
        stopping = true;
    }

    /** Runs one queued build; called by the route's consumers. One build per recipe at a time. */
    public void run(String id) {
        BuildJob job = jobs.get(id);
        if (job == null || stopping) return;
        ReentrantLock lock = recipeLocks.computeIfAbsent(job.recipe(), r -> new ReentrantLock());
        lock.lock();
        try {
            Path queued = dir.resolve(job.recipe() + ".json");
            Path running = runningDir.resolve(job.recipe() + ".json");
            synchronized (this) {
                if (stopping || !Files.exists(queued)) return;
                Files.move(queued, running, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            boolean interrupted = false;
            try {
                LoadedRecipe recipe = recipes.get(job.recipe());
                String skip = job.fromSchedule() ? gate.skipReason(job, recipe) : null;
                if (skip != null) {
                    jobs.put(id, job.with("skipped", skip));
                    LOG.info("build {} of {} skipped: {}", id, job.recipe(), skip);
                    return;
                }
                jobs.put(id, job.with("running", null));
                LOG.info("build {} of {} started ({})", id, job.recipe(), job.source());
                for (Listener l : listeners) l.started(job, recipe);
                BuildContext build = runner.run(recipe, new BuildOptions(OnError.CLEANUP,
                        new PrintStream(OutputStream.nullOutputStream())), id);
                boolean ok = build.failure() == null;
                String message = recipe.mask(ok ? build.result() : build.failure().getMessage());
                if (!ok && stopping) {
                    interrupted = true;
                    jobs.put(id, job.with("interrupted", message));
                    LOG.info("build {} of {} interrupted by the daemon stopping; it runs again on the next start", id, job.recipe());
                    return;
                }
                jobs.put(id, job.with(ok ? "succeeded" : "failed", message));
                LOG.info("build {} of {} {}: {}", id, job.recipe(), ok ? "succeeded" : "FAILED", message);
                for (Listener l : listeners) l.finished(job, recipe, build);
            } catch (IOException | RuntimeException e) {
                jobs.put(id, job.with("failed", e.getMessage()));
                LOG.warn("build {} of {} could not start: {}", id, job.recipe(), e.getMessage());
                for (Listener l : listeners) l.finished(job, null, null);
            } finally {
                if (!interrupted) Files.deleteIfExists(running);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }

    public BuildJob job(String id) { return jobs.get(id); }

    /** Jobs of this daemon's lifetime, newest first. */
    public List<BuildJob> jobs() {
        List<BuildJob> all = new ArrayList<>(jobs.values());
        all.sort(Comparator.comparing(BuildJob::submitted).reversed());
        return all;
    }

    public boolean pending(String recipe) {
        return jobs.values().stream().anyMatch(j -> j.recipe().equals(recipe)
                && (j.state().equals("queued") || j.state().equals("running")));
    }

    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (BuildJob j : jobs.values()) m.merge(j.state(), 1L, Long::sum);
        return m;
    }

    private static void write(Path file, BuildJob job) {
        try {
            Path tmp = Files.createTempFile(file.getParent(), "job", ".tmp");
            JSON.writeValue(tmp.toFile(), job);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
