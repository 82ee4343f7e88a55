package io.ingot.daemon;

import io.ingot.template.TemplateRef;
import io.ingot.util.Json;
import io.ingot.util.NotFound;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.UnaryOperator;

/**
 * Schedule states as JSON files under {@code <state>/schedules/}, one per recipe, replaced atomically:
 * the daemon and {@code ingot schedule resume} (which works with or without a running daemon) share them.
 */
public final class ScheduleStates {

    private final Path dir;

    public ScheduleStates(Path stateDir) {
        this.dir = stateDir.resolve("schedules");
    }

    public synchronized ScheduleState get(String recipe) {
        Path file = file(recipe);
        if (!Files.isRegularFile(file)) return ScheduleState.initial(recipe);
        try {
            return Json.MAPPER.readValue(file.toFile(), ScheduleState.class);
        } catch (IOException e) {
            throw new UncheckedIOException("schedule state " + file + ": " + e.getMessage(), e);
        }
    }

    public synchronized ScheduleState update(String recipe, UnaryOperator<ScheduleState> change) {
        ScheduleState next = change.apply(get(recipe));
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, recipe, ".tmp");
            Json.PRETTY.writeValue(tmp.toFile(), next);
            Files.move(tmp, file(recipe), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("schedule state for " + recipe + ": " + e.getMessage(), e);
        }
        return next;
    }

    /** Resumes a paused schedule; refuses a recipe the daemon never scheduled. */
    public ScheduleState resume(String recipe) {
        TemplateRef.checkName(recipe, "recipe name");
        if (!Files.isRegularFile(file(recipe))) throw new NotFound("no schedule state for recipe '" + recipe + "' (has the daemon scheduled it?)");
        return update(recipe, ScheduleState::resumed);
    }

    private Path file(String recipe) {
        return dir.resolve(TemplateRef.checkName(recipe, "recipe name") + ".json");
    }
}
