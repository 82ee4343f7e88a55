package io.ingot.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.BuildRecord;
import io.ingot.server.http.JsonBodies;
import io.ingot.server.http.LogFollower;
import io.ingot.images.ImageStore;
import io.ingot.template.TemplateRef;
import io.ingot.util.Json;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import org.apache.camel.Body;
import org.apache.camel.Header;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API's builds (docs/api.md "Builds"): the queue and the catalog's build records, one build with its stage
 * timings, its log (streamed with {@code ?follow=1} by the HTTP front, through {@link LogFollower.Source}) and
 * the latest screen of its installer.
 */
public final class BuildsApi implements LogFollower.Source {
    private static final Pattern BUILD_ID = Pattern.compile("\\d{8}-\\d{6}-[0-9a-f]{6}");
    public static final String SCREEN = "screen.png";

    /** {@code POST /api/builds} body; {@code source} is {@code api} (default) or {@code cli} (ingot submit). */
    public record Submit(String recipe, String source) { }

    private final ImageStore store;
    private final BuildQueue queue;

    public BuildsApi(ImageStore store, BuildQueue queue) {
        this.store = store;
        this.queue = queue;
    }

    public Map<String, Object> list() {
        return Map.of("queue", queue.jobs(), "builds", store.catalog().builds());
    }

    public Map<String, Object> submit(@Body byte[] body) {
        Submit s = JsonBodies.read(body, Submit.class, "{\"recipe\": NAME}");
        if (s.recipe() == null) throw new UserError("body must be {\"recipe\": NAME}: no recipe");
        TemplateRef.checkName(s.recipe(), "recipe name");
        String source = s.source() == null ? "api" : s.source();
        if (!source.equals("api") && !source.equals("cli")) throw new UserError("source must be \"api\" or \"cli\", not '" + source + "'");
        BuildQueue.Submitted submitted = queue.submit(s.recipe(), source);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", submitted.job().id());
        m.put("recipe", s.recipe());
        m.put("state", submitted.job().state());
        m.put("queuedNow", submitted.queuedNow());
        return m;
    }

    public Map<String, Object> build(@Header("id") String id) throws IOException {
        checkId(id);
        BuildJob job = queue.job(id);
        BuildRecord record = record(id).orElse(null);
        if (job == null && record == null) throw new NotFound("no build " + id);
        String recipe = job != null ? job.recipe() : record.recipe();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("recipe", recipe);
        String state = record != null ? record.status() : job.state();
        if (job != null && (job.state().equals("queued") || job.state().equals("skipped"))) state = job.state();
        m.put("state", state);
        m.put("source", job == null ? "cli" : job.source());
        m.put("started", record == null ? null : record.started());
        m.put("finished", record == null ? null : record.finished());
        m.put("message", record != null && record.message() != null ? record.message() : job == null ? null : job.message());
        m.put("ref", job == null ? null : job.ref());
        m.put("worker", job == null ? null : job.worker());
        m.put("attempts", job == null ? null : job.attempts());
        m.put("lastError", job == null ? null : job.lastError());
        Path timings = dir(recipe, id).resolve("timings.json");
        m.put("stages", Files.isRegularFile(timings) ? Json.MAPPER.readTree(timings.toFile()).path("stages") : List.<JsonNode>of());
        return m;
    }

    /** The log so far. */
    public byte[] log(@Header("id") String id) throws IOException {
        Path log = logFile(id);
        return Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(log) : new byte[0];
    }

    /** The latest screendump of a build's VM (written while the build runs); 404 until there is one. */
    public byte[] screen(@Header("id") String id) throws IOException {
        String recipe = recipeOf(id);
        Path png = dir(recipe, id).resolve(SCREEN);
        if (!Files.isRegularFile(png, LinkOption.NOFOLLOW_LINKS)) throw new NotFound("build " + id + " has no screen yet");
        return Files.readAllBytes(png);
    }

    @Override
    public Path logFile(String id) {
        return dir(recipeOf(id), id).resolve("build.log");
    }

    @Override
    public boolean finished(String id) {
        BuildJob job = queue.job(id);
        if (job != null && (job.state().equals("queued") || job.state().equals("running"))) return false;
        return record(id).map(b -> b.finished() != null).orElse(true);
    }

    private String recipeOf(String id) {
        checkId(id);
        BuildJob job = queue.job(id);
        if (job != null) return job.recipe();
        return record(id).map(BuildRecord::recipe).orElseThrow(() -> new NotFound("no build " + id));
    }

    private Optional<BuildRecord> record(String id) {
        return store.catalog().builds().stream().filter(b -> b.id().equals(id)).findFirst();
    }

    private Path dir(String recipe, String id) {
        return store.paths().builds().resolve(TemplateRef.checkName(recipe, "recipe name")).resolve(id);
    }

    private static void checkId(String id) {
        if (id == null || !BUILD_ID.matcher(id).matches()) throw new UserError("bad build id '" + id + "' (like 20260101-030000-a1b2c3)");
    }
}
