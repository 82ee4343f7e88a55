package io.ingot.daemon;

import io.ingot.catalog.ChannelMove;
import io.ingot.fleet.BuildEvent;
import io.ingot.fleet.BuildRequest;
import io.ingot.fleet.FleetNames;
import io.ingot.fleet.LogLines;
import io.ingot.pipeline.BuildIds;
import io.ingot.pipeline.Timings;
import io.ingot.qemu.ImageCheck;
import io.ingot.trust.VersionTrust;
import io.ingot.template.TemplateRef;
import io.ingot.util.Json;
import io.ingot.util.NotFound;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The daemon's side of the build queue (scheduled, API and CLI builds alike). A build asked for becomes a job
 * ({@code <state>/queue/jobs/ID.json}) and a request on the broker's {@value FleetNames#BUILDS} queue, which the
 * broker keeps in its journal until a worker has built it: the broker, not this class, is what survives a
 * restart with builds queued. Workers answer on {@value FleetNames#RESULTS} ({@link #result}); a request that
 * failed its last attempt comes back through the dead letters ({@link #deadLetter}).
 *
 * <p>A recipe is never queued twice, and never built twice at once: a build asked for while another build of the
 * same recipe runs waits here, unsent, until that one ends. A job file written before its request was sent is
 * sent again at the next start, under the same id; the broker's duplicate detection keeps one.
 */
public final class BuildQueue {
    public static final String ENDPOINT = "jms:queue:" + FleetNames.BUILDS;
    /** A result that cannot be registered is retried this many times (the message is redelivered), then the build fails. */
    static final int REGISTER_ATTEMPTS = 5;
    /** Dead letters kept for the page and the API. */
    static final int DEAD_LETTERS_KEPT = 50;
    private static final Logger LOG = LoggerFactory.getLogger(BuildQueue.class);

    /** Told when a build ends (the schedules count failures and keep input hashes, the metrics count builds). */
    public interface Listener {
        void finished(BuildJob job, Outcome outcome);
    }

    /** How a build ended: its message, when it started, its stages (when the worker said). */
    public record Outcome(boolean succeeded, String message, Instant started, List<Timings.Entry> stages) {
        public Outcome {
            stages = stages == null ? List.of() : List.copyOf(stages);
        }
    }

    /** Makes the request for a job: reserves its version (once), bundles its recipe, hashes its inputs. */
    public interface Requests {
        BuildRequest request(BuildJob job) throws IOException;
    }

    /** A request that failed its last attempt, kept with its last error. */
    public record DeadLetter(String id, String recipe, String ref, String source, Instant submitted, int attempts,
                             String lastError, Instant at) { }

    private final Path jobsDir;
    private final Path deadDir;
    private final Recipes recipes;
    private final Requests requests;
    private final Registrar registrar;
    private final BuildIds ids = new BuildIds();
    private final Map<String, BuildJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, DeadLetter> dead = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new ArrayList<>();
    private ProducerTemplate producer;

    public BuildQueue(Path stateDir, Recipes recipes, Requests requests, Registrar registrar) {
        this.jobsDir = stateDir.resolve("queue").resolve("jobs");
        this.deadDir = stateDir.resolve("queue").resolve("dead");
        this.recipes = recipes;
        this.requests = requests;
        this.registrar = registrar;
    }

    public void listen(Listener l) { listeners.add(l); }

    /** Starts taking builds: reads the jobs a previous daemon left, and sends those it had not sent. */
    public synchronized void start(ProducerTemplate producer) throws IOException {
        this.producer = producer;
        Files.createDirectories(jobsDir);
        Files.createDirectories(deadDir);
        for (Path f : list(jobsDir)) {
            BuildJob j = Json.MAPPER.readValue(f.toFile(), BuildJob.class);
            jobs.put(j.id(), j);
            LOG.info("build {} of {} still {} from before the restart{}", j.id(), j.recipe(), j.state(),
                    j.sent() ? " (its request is in the broker)" : "");
        }
        for (Path f : list(deadDir)) {
            DeadLetter d = Json.MAPPER.readValue(f.toFile(), DeadLetter.class);
            dead.put(d.id(), d);
        }
        resendPending();
    }

    /** Queues a build of the recipe named {@code recipe}; a build already queued for it is returned instead. */
    public synchronized Submitted submit(String recipe, String source) {
        TemplateRef.checkName(recipe, "recipe name");
        if (producer == null) throw new IllegalStateException("queue not started");
        Optional<BuildJob> queued = jobs.values().stream()
                .filter(j -> j.recipe().equals(recipe) && "queued".equals(j.state())).findFirst();
        if (queued.isPresent()) return new Submitted(queued.get(), false);
        recipes.get(recipe); // refuses an unknown recipe now, not when the build starts
        BuildJob job = new BuildJob(ids.next(), recipe, source, Instant.now(), "queued", null);
        write(job);
        LOG.info("queued build {} of {} ({})", job.id(), recipe, source);
        if (running(recipe)) {
            LOG.info("build {} of {} waits for the running build of {}", job.id(), recipe, recipe);
        } else {
            send(job);
        }
        return new Submitted(jobs.get(job.id()), true);
    }

    /** What {@link #submit} did: the job, and whether it was queued now (false: one was already queued). */
    public record Submitted(BuildJob job, boolean queuedNow) { }

    /**
     * Sends the jobs that are queued but not yet sent and may run now: at start, after a build of the same recipe
     * ended, and periodically (the broker may have been out of reach).
     */
    public synchronized void resendPending() {
        if (producer == null) return;
        List<BuildJob> unsent = jobs.values().stream().filter(j -> "queued".equals(j.state()) && !j.sent())
                .sorted(Comparator.comparing(BuildJob::submitted)).toList();
        for (BuildJob j : unsent) {
            if (!running(j.recipe())) send(j);
        }
    }

    /** Reserves the version, makes the request and sends it; a job whose request cannot be made fails at once. */
    private void send(BuildJob job) {
        BuildRequest r;
        try {
            r = requests.request(job);
        } catch (IOException | RuntimeException e) {
            LOG.warn("build {} of {} cannot be queued: {}", job.id(), job.recipe(), e.getMessage());
            finish(job, new Outcome(false, "cannot be queued: " + e.getMessage(), null, List.of()));
            return;
        }
        // the version and hash are kept before the send: sent again after a crash, the request is the same build
        job = new BuildJob(job.id(), job.recipe(), job.source(), job.submitted(), job.state(), job.message(), false,
                r.version(), r.storage(), r.channel(), r.inputHash(), job.worker(), job.attempts(), job.lastError(), job.started());
        write(job);
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put(FleetNames.DELIVER, r.deliver());
        headers.put(FleetNames.MAX_ATTEMPTS, r.maxAttempts());
        headers.put(FleetNames.DUPLICATE_ID, r.id());
        for (int i = 0; i < r.requires().size(); i++) headers.put(FleetNames.REQUIRES + i, r.requires().get(i));
        try {
            producer.sendBodyAndHeaders(ENDPOINT, r.toJson(), headers);
        } catch (RuntimeException e) {
            LOG.warn("build {} of {}: the broker did not take the request ({}); sending it again later", job.id(), job.recipe(),
                    e.getMessage());
            write(job.with("queued", "waiting for the broker: " + e.getMessage()));
            return;
        }
        write(job.sent(r.version(), r.storage(), r.channel(), r.inputHash()));
        LOG.info("build {} of {} sent to the workers as {}{}", job.id(), job.recipe(), r.ref(),
                r.requires().isEmpty() ? "" : " (requires " + String.join(", ", r.requires()) + ")");
    }

    /** A worker's message about a build (route fleet-results). */
    public void result(@Body String body, @Header("JMSXDeliveryCount") Integer deliveries) throws IOException {
        BuildEvent e = BuildEvent.fromJson(body);
        BuildJob job = jobOf(e.id(), e.recipe());
        if (!job.pending()) {
            LOG.debug("build {} already ended ({}); ignoring its {} message", e.id(), job.state(), e.kind());
            return;
        }
        switch (e.kind()) {
            case BuildEvent.STARTED -> {
                synchronized (this) {
                    write(jobOf(e.id(), e.recipe()).running(e.worker(), e.attempt(), e.started()));
                }
                LOG.info("build {} of {} started on {} (attempt {})", e.id(), e.recipe(), e.worker(), e.attempt());
            }
            case BuildEvent.FAILED -> {
                registrar.log(job, e);
                synchronized (this) {
                    write(jobOf(e.id(), e.recipe()).attemptFailed(e.attempt(), e.message()));
                }
                LOG.info("build {} of {}: attempt {} on {} failed: {}", e.id(), e.recipe(), e.attempt(), e.worker(),
                        firstLine(e.message()));
            }
            case BuildEvent.SUCCEEDED -> {
                ChannelMove move;
                try {
                    move = registrar.register(job, e);
                } catch (IOException | RuntimeException ex) {
                    int n = deliveries == null ? 1 : deliveries;
                    // a refused image is refused again: downloading it four more times helps nobody
                    if (n < REGISTER_ATTEMPTS && !(ex instanceof ImageCheck.Refused) && !(ex instanceof VersionTrust.Refused)) {
                        LOG.warn("build {} of {}: cannot register {} yet (try {} of {}): {}", e.id(), e.recipe(), e.ref(), n,
                                REGISTER_ATTEMPTS, ex.getMessage());
                        throw ex; // rolled back: the broker brings the result again
                    }
                    String why = "built, but the daemon cannot register " + e.ref() + ": " + ex.getMessage();
                    registrar.record(job, e, "failed", why);
                    finish(job, new Outcome(false, why, e.started(), e.stages()));
                    return;
                }
                String message = Registrar.result(e, move);
                registrar.record(job, e, "succeeded", message);
                registrar.recordChanges(e);
                if (move != null && move.note() != null) registrar.note(job, move.note());
                finish(job, new Outcome(true, message, e.started(), e.stages()));
            }
            default -> LOG.warn("build {}: unknown message kind '{}'", e.id(), e.kind());
        }
    }

    /** Log lines of a build running on another host (route fleet-logs): appended to its log here while it runs. */
    public void logLines(@Body String body) {
        LogLines l = LogLines.fromJson(body);
        BuildJob job = jobs.get(l.id());
        if (job != null && job.pending()) registrar.append(job, l.text());
    }

    /** A request that failed its last attempt (route fleet-dead-letters). */
    public void deadLetter(@Body String body, @Header(FleetNames.LAST_ERROR) String lastError) {
        BuildRequest r = BuildRequest.fromJson(body);
        BuildJob job = jobOf(r.id(), r.recipe());
        String error = lastError == null ? "(no error given)" : lastError;
        DeadLetter d = new DeadLetter(r.id(), r.recipe(), r.ref(), r.source(), r.submitted(), r.maxAttempts(), error, Instant.now());
        writeDead(d);
        if (!job.pending()) return;
        registrar.record(job, null, "failed", "failed " + r.maxAttempts() + " attempt(s); last: " + error);
        LOG.warn("build {} of {} failed {} attempt(s) and is in the dead letters: {}", r.id(), r.recipe(), r.maxAttempts(), firstLine(error));
        finish(job, new Outcome(false, "failed " + r.maxAttempts() + " attempt(s): " + error, job.started(), List.of()));
    }

    /** Queues the recipe of a dead letter again (a new build) and drops the dead letter. */
    public synchronized Submitted retry(String id) throws IOException {
        DeadLetter d = dead.get(id);
        if (d == null) throw new NotFound("no dead letter " + id);
        Submitted s = submit(d.recipe(), "api");
        dead.remove(id);
        Files.deleteIfExists(deadDir.resolve(id + ".json"));
        return s;
    }

    private synchronized void finish(BuildJob job, Outcome outcome) {
        BuildJob done = jobs.getOrDefault(job.id(), job).with(outcome.succeeded() ? "succeeded" : "failed", outcome.message());
        jobs.put(done.id(), done);
        try {
            Files.deleteIfExists(jobsDir.resolve(done.id() + ".json"));
        } catch (IOException e) {
            LOG.warn("cannot remove the job file of {}: {}", done.id(), e.getMessage());
        }
        LOG.info("build {} of {} {}: {}", done.id(), done.recipe(), outcome.succeeded() ? "succeeded" : "FAILED", firstLine(outcome.message()));
        for (Listener l : listeners) {
            try {
                l.finished(done, outcome);
            } catch (RuntimeException e) {
                LOG.warn("after build {}: {}", done.id(), e.getMessage());
            }
        }
        resendPending(); // a build of the same recipe may have waited for this one
    }

    /** The job of an id; one a worker reports that this daemon never knew (its files were lost) is taken as it comes. */
    private BuildJob jobOf(String id, String recipe) {
        BuildJob j = jobs.get(id);
        return j != null ? j : new BuildJob(id, recipe, "api", Instant.now(), "queued", null);
    }

    private boolean running(String recipe) {
        return jobs.values().stream().anyMatch(j -> j.recipe().equals(recipe) && "running".equals(j.state()));
    }

    public BuildJob job(String id) { return jobs.get(id); }

    /** Jobs of this daemon's lifetime (and those still pending from before), newest first. */
    public List<BuildJob> jobs() {
        List<BuildJob> all = new ArrayList<>(jobs.values());
        all.sort(Comparator.comparing(BuildJob::submitted).reversed());
        return all;
    }

    /** Dead letters, newest first. */
    public List<DeadLetter> deadLetters() {
        List<DeadLetter> all = new ArrayList<>(dead.values());
        all.sort(Comparator.comparing(DeadLetter::at).reversed());
        return all;
    }

    public boolean pending(String recipe) {
        return jobs.values().stream().anyMatch(j -> j.recipe().equals(recipe) && j.pending());
    }

    public Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (BuildJob j : jobs.values()) m.merge(j.state(), 1L, Long::sum);
        return m;
    }

    private void write(BuildJob job) {
        jobs.put(job.id(), job);
        atomically(jobsDir.resolve(job.id() + ".json"), job);
    }

    private void writeDead(DeadLetter d) {
        dead.put(d.id(), d);
        atomically(deadDir.resolve(d.id() + ".json"), d);
        List<DeadLetter> old = deadLetters();
        for (DeadLetter gone : old.subList(Math.min(old.size(), DEAD_LETTERS_KEPT), old.size())) {
            dead.remove(gone.id());
            try {
                Files.deleteIfExists(deadDir.resolve(gone.id() + ".json"));
            } catch (IOException e) {
                LOG.warn("cannot remove dead letter {}: {}", gone.id(), e.getMessage());
            }
        }
    }

    private static void atomically(Path file, Object value) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "job", ".tmp");
            Json.MAPPER.writeValue(tmp.toFile(), value);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
