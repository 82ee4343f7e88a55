package io.ingot.daemon;

import io.ingot.recipe.Cron;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.Recipe;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The nightly rebuilds: one Quartz route per recipe with a {@code schedule} (from the {@code schedule}
 * route template in routes/nightly.camel.yaml) calls {@link #fire}. {@code when: changed} builds only
 * when the {@link InputHash} differs from the last successful build's (for a recipe made {@code from} a
 * template: also when the parent's channel moved); N consecutive failures pause the
 * schedule until {@code ingot schedule resume NAME}.
 */
public final class Schedules implements BuildQueue.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Schedules.class);

    private final Recipes recipes;
    private final BuildQueue queue;
    private final ScheduleStates states;
    private final Metrics metrics;
    private final int pauseAfter;
    private final String cronOverride;
    private final InputHash.ChecksumLists lists;
    private final Map<String, String> crons = new LinkedHashMap<>();

    public Schedules(Recipes recipes, BuildQueue queue, ScheduleStates states, Metrics metrics, int pauseAfter,
                     String cronOverride, InputHash.ChecksumLists lists) {
        this.recipes = recipes;
        this.queue = queue;
        this.states = states;
        this.metrics = metrics;
        this.pauseAfter = pauseAfter;
        this.cronOverride = cronOverride;
        this.lists = lists;
    }

    /** Adds a Quartz route for every scheduled recipe. */
    public void register(CamelContext camel) throws Exception {
        for (LoadedRecipe r : recipes.all()) {
            Recipe.Schedule s = r.recipe().schedule();
            if (s == null || s.cron() == null) continue;
            String name = r.recipe().name();
            String quartz = cronOverride != null ? cronOverride : Cron.parse(s.cron()).toQuartz();
            TemplatedRouteBuilder.builder(camel, "schedule")
                    .routeId("schedule-" + name)
                    .parameter("recipe", name)
                    .parameter("cron", quartz.replace(' ', '+'))
                    .add();
            crons.put(name, s.cron());
            LOG.info("schedule of {}: '{}' ({}), when {}{}", name, s.cron(), quartz, s.when(),
                    states.get(name).paused() ? "; PAUSED: " + states.get(name).pausedReason() : "");
        }
    }

    /** A schedule fired: queue a build unless paused, already pending, or (when: changed) nothing changed. */
    public void fire(String recipe) throws IOException {
        ScheduleState state = states.get(recipe);
        if (state.paused()) {
            LOG.debug("schedule of {} is paused: {}", recipe, state.pausedReason());
            return;
        }
        if (queue.pending(recipe)) return;
        LoadedRecipe loaded;
        try {
            loaded = recipes.get(recipe);
        } catch (io.ingot.util.UserError e) {
            // an edit broke the recipe, or it was removed: say so on every firing, build nothing
            states.update(recipe, s -> s.ran("not built: " + e.getMessage()));
            LOG.warn("schedule of {}: {}", recipe, e.getMessage());
            return;
        }
        String skip = skipReason(loaded);
        if (skip != null) {
            states.update(recipe, s -> s.ran(skip));
            metrics.skipped(recipe);
            LOG.info("schedule of {}: {}", recipe, skip);
            return;
        }
        queue.submit(recipe, "schedule");
    }

    /** Why a scheduled run builds nothing (its inputs did not change since the last successful build), or null. */
    String skipReason(LoadedRecipe recipe) throws IOException {
        Recipe.Schedule s = recipe.recipe().schedule();
        if (s != null && "always".equals(s.when())) return null;
        String hash = InputHash.of(recipe, lists);
        return hash.equals(states.get(recipe.recipe().name()).lastBuiltHash()) ? "unchanged since the last build, skipped" : null;
    }

    /**
     * A build ended. A successful one records the input hash its request was made with (taken when it was queued,
     * from the files it carried): an edit made since is built at the next scheduled run.
     */
    @Override
    public void finished(BuildJob job, BuildQueue.Outcome outcome) {
        boolean ok = outcome.succeeded();
        String hash = job.inputHash();
        String result = (ok ? "built: " : "failed: ") + outcome.message();
        try {
            if (ok) { // a null hash (inputs unreadable at the start) makes the next scheduled run build again
                states.update(job.recipe(), s -> s.succeeded(hash, result));
            } else if (job.fromSchedule()) {
                ScheduleState after = states.update(job.recipe(), s -> s.failed(result, pauseAfter));
                if (after.paused()) LOG.warn("schedule of {} PAUSED: {}", job.recipe(), after.pausedReason());
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot record the schedule state of {}: {}", job.recipe(), e.getMessage());
        }
    }

    /** The scheduled recipes with their state, for the API and the page. */
    public List<Map<String, Object>> list() {
        List<Map<String, Object>> out = new ArrayList<>();
        crons.forEach((name, cron) -> {
            ScheduleState s = states.get(name);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("recipe", name);
            m.put("cron", cron);
            m.put("paused", s.paused());
            m.put("pausedReason", s.pausedReason());
            m.put("consecutiveFailures", s.consecutiveFailures());
            m.put("lastRun", s.lastRun() == null ? null : s.lastRun().toString());
            m.put("lastResult", s.lastResult());
            out.add(m);
        });
        return out;
    }

    public ScheduleState resume(String recipe) {
        ScheduleState s = states.resume(recipe);
        LOG.info("schedule of {} resumed", recipe);
        return s;
    }
}
