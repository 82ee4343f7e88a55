package io.ingot.pipeline;

import io.ingot.catalog.BuildRecord;
import io.ingot.catalog.Catalog;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The build history: each build's row in the catalog and the same record in its folder ({@code build.json}
 * beside {@code build.log}), from which {@code ingot catalog reindex} brings back the rows a lost or damaged
 * catalog took with it.
 */
public final class BuildHistory {
    public static final String FILE_NAME = "build.json";
    private static final Logger LOG = LoggerFactory.getLogger(BuildHistory.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final IngotPaths paths;
    private final Catalog catalog;

    public BuildHistory(IngotPaths paths, Catalog catalog) {
        this.paths = paths;
        this.catalog = catalog;
    }

    /** Records a build as running (again, for a build run again under its id). */
    public void started(String id, String recipe, Instant started) {
        catalog.buildStarted(id, recipe, started);
        write(new BuildRecord(id, recipe, "running", started, null, null));
    }

    /** Closes a build's record with its status ({@code succeeded}, {@code failed}) and message. */
    public void finished(String id, String recipe, String status, String message, Instant finished) {
        catalog.buildFinished(id, status, message, finished);
        catalog.builds().stream().filter(b -> b.id().equals(id)).findFirst().ifPresent(this::write);
    }

    /** Adds the builds the catalog lacks from their folders; returns how many. */
    public int restore() throws IOException {
        return catalog.restoreBuilds(found());
    }

    /** The builds their folders record: {@code build.json}, else (a folder of an older ingot) its build.log. */
    public List<BuildRecord> found() throws IOException {
        List<BuildRecord> out = new ArrayList<>();
        if (!Files.isDirectory(paths.builds())) return out;
        try (Stream<Path> recipes = Files.list(paths.builds())) {
            for (Path recipe : recipes.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> dirs = Files.list(recipe)) {
                    for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) read(dir).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    private void write(BuildRecord r) {
        Path dir = dir(r.id(), r.recipe());
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(FILE_NAME + ".tmp");
            Json.PRETTY.writeValue(tmp.toFile(), r);
            Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            // the catalog's row is the record; this copy only serves a reindex
            LOG.warn("cannot record build {} in {}: {}", r.id(), dir, e.getMessage());
        }
    }

    private Path dir(String id, String recipe) {
        return paths.builds().resolve(recipe).resolve(id);
    }

    static Optional<BuildRecord> read(Path dir) {
        String id = dir.getFileName().toString();
        String recipe = dir.getParent().getFileName().toString();
        try {
            Path json = dir.resolve(FILE_NAME);
            if (Files.isRegularFile(json)) {
                BuildRecord r = Json.MAPPER.readValue(json.toFile(), BuildRecord.class);
                if (r.id().equals(id) && r.recipe().equals(recipe)) return Optional.of(r);
            }
            Path log = dir.resolve("build.log");
            if (!Files.isRegularFile(log)) return Optional.empty();
            return Optional.of(fromLog(dir, id, recipe, log));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the record of build {}: {}", dir, e.getMessage());
            return Optional.empty();
        }
    }

    /** A folder without build.json: the summary line Pipeline logs last says how the build ended. */
    private static BuildRecord fromLog(Path dir, String id, String recipe, Path log) throws IOException {
        Instant started;
        try {
            started = LocalDateTime.parse(id.substring(0, Math.min(id.length(), 15)), ID_TIME).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            started = Files.readAttributes(dir, BasicFileAttributes.class).creationTime().toInstant();
        }
        Optional<BuildOwner> owner = BuildOwner.read(dir);
        if (owner.isPresent() && owner.get().alive()) return new BuildRecord(id, recipe, "running", started, null, null);
        Instant finished = Files.getLastModifiedTime(log).toInstant();
        Pattern ok = Pattern.compile("==> build " + Pattern.quote(id) + " of \\S+ finished in [^:]*: (.*)$");
        Pattern failed = Pattern.compile("==> build " + Pattern.quote(id) + " of \\S+ FAILED after ");
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = ok.matcher(lines.get(i));
            if (m.find()) return new BuildRecord(id, recipe, "succeeded", started, finished, m.group(1));
            if (failed.matcher(lines.get(i)).find()) return new BuildRecord(id, recipe, "failed", started, finished, "failed (see its build.log)");
        }
        return new BuildRecord(id, recipe, "failed", started, finished, "interrupted: its ingot process is gone");
    }
}
