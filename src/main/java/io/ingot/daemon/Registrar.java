package io.ingot.daemon;

import io.ingot.catalog.ChannelMove;
import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.S3Clients;
import io.ingot.distribution.S3Pull;
import io.ingot.fleet.BuildEvent;
import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildHistory;
import io.ingot.storage.StorageConfig;
import io.ingot.template.TemplateRef;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Durations;
import io.ingot.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The daemon's end of a build that ran on a worker: the daemon alone writes its catalog. A version pushed to the
 * fleet's bucket is pulled and registered under the number reserved for the build, with the recipe's channel;
 * a version the daemon's own worker published is already there. Either way, a version that already carries the
 * build's id is not registered again. Logs and stage timings of builds on other hosts are written into the
 * daemon's build directory, so the API and the page show them like any build's.
 */
public final class Registrar {
    private static final Logger LOG = LoggerFactory.getLogger(Registrar.class);

    private final ImageStore store;
    private final S3Clients clients;

    public Registrar(ImageStore store, S3Clients clients) {
        this.store = store;
        this.clients = clients;
    }

    /**
     * Makes the build's version part of the catalog (idempotent: by its build id). Returns what became of the
     * recipe's channel when the version was registered here (it moves only forward), or null: registered before,
     * published in place by the daemon's own worker, or no channel.
     */
    public ChannelMove register(BuildJob job, BuildEvent e) throws IOException {
        TemplateRef ref = TemplateRef.parse(e.ref());
        if (!ref.name().equals(job.recipe()) || ref.version() == null) {
            throw new IllegalStateException("build " + e.id() + " of " + job.recipe() + " reports " + e.ref());
        }
        Optional<TemplateVersion> have = store.catalog().version(ref.name(), ref.version());
        if (have.isPresent()) {
            if (Objects.equals(have.get().buildId(), e.id())) return null;
            throw new IllegalStateException(e.ref() + " in the catalog is build " + have.get().buildId() + ", not " + e.id());
        }
        if (e.s3() == null) {
            throw new IllegalStateException("build " + e.id() + " says it published " + e.ref() + " here, but the catalog has no such version");
        }
        String storage = job.storage() != null ? job.storage() : StorageConfig.LOCAL;
        long start = System.nanoTime();
        S3Pull.Pulled p;
        try (S3Client s3 = clients.create()) {
            p = new S3Pull(store, s3, LOG::info, n -> { }).pull(e.s3(), storage, job.channel());
        } catch (VersionTrust.Refused refused) {
            // a worker signs with its own key, which an admin enrols here
            if (!refused.getMessage().contains("unknown key")) throw refused;
            throw new VersionTrust.Refused(refused.getMessage() + "; worker " + e.worker() + "'s key is not enrolled here (on the worker: "
                    + "ingot key export FILE; here: ingot key trust FILE)");
        }
        LOG.info("registered {} from {} on {}{} in {}", p.version().ref(), e.s3(), storage,
                p.channel() == null ? "" : p.channel().describe(), Durations.format(Duration.ofNanos(System.nanoTime() - start)));
        try {
            store.versions().prune(ref.name());
        } catch (IOException | RuntimeException ex) {
            LOG.warn("retention for {} failed: {}", ref.name(), ex.getMessage());
        }
        return p.channel();
    }

    /** What the build's version changed from the one it replaces, kept beside its log ({@link VersionChanges}). */
    public void recordChanges(BuildEvent e) {
        if (e.ref() != null) new VersionChanges(store).record(e.ref(), e.id());
    }

    /** The result of a build the daemon registered: the worker's, unless the channel stayed on a newer version. */
    public static String result(BuildEvent e, ChannelMove move) {
        if (move == null || move.moved()) return e.message();
        return "published " + e.ref() + move.describe() + (e.s3() == null ? "" : " (" + e.s3() + ")");
    }

    /** A line the daemon adds to a build's log (after the worker's own lines), timed like the build's. */
    public void note(BuildJob job, String line) {
        append(job, LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")) + " " + line + "\n");
    }

    /** A build from another host: its log and stage timings, where the daemon's own builds keep theirs. */
    public void log(BuildJob job, BuildEvent e) {
        if (e == null || e.log() == null) return;
        Path dir = store.paths().builds().resolve(TemplateRef.checkName(job.recipe(), "recipe name")).resolve(e.id());
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("build.log"), e.log());
            if (!e.stages().isEmpty()) Json.MAPPER.writeValue(dir.resolve("timings.json").toFile(), Map.of("stages", e.stages()));
        } catch (IOException ex) {
            LOG.warn("cannot write the log of build {}: {}", e.id(), ex.getMessage());
        }
    }

    /** Lines of a build running on another host, added to its log here as they come. */
    public void append(BuildJob job, String text) {
        Path dir = store.paths().builds().resolve(TemplateRef.checkName(job.recipe(), "recipe name")).resolve(job.id());
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("build.log"), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("cannot add to the log of build {}: {}", job.id(), e.getMessage());
        }
    }

    /** The build's row in the catalog, closed with {@code status} (the builds of the daemon's own worker wrote theirs already). */
    public void record(BuildJob job, BuildEvent e, String status, String message) {
        log(job, e);
        boolean written = store.catalog().builds().stream()
                .anyMatch(b -> b.id().equals(job.id()) && b.finished() != null && b.status().equals(status));
        if (written) return;
        Instant started = e != null && e.started() != null ? e.started() : job.started() != null ? job.started() : job.submitted();
        BuildHistory history = new BuildHistory(store.paths(), store.catalog());
        history.started(job.id(), job.recipe(), started);
        history.finished(job.id(), job.recipe(), status, message, Instant.now());
    }
}
