package io.ingot.daemon;

import io.ingot.fleet.Broker;
import io.ingot.fleet.BrokerConnection;
import io.ingot.fleet.FleetNames;
import io.ingot.fleet.Heartbeat;
import io.ingot.util.UserError;
import org.apache.camel.Header;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API's build fleet (docs/api.md "Workers and the queue"): the workers and what they build, the queue with
 * what each queued build waits for, the dead letters, and the broker.
 */
public final class FleetApi {
    private static final Pattern BUILD_ID = Pattern.compile("\\d{8}-\\d{6}-[0-9a-f]{6}");

    private final BuildQueue queue;
    private final Workers workers;
    private final Recipes recipes;
    private final Broker broker;
    private final String brokerUrl;

    /** @param broker the embedded broker, or null when the daemon uses an external one at {@code brokerUrl} */
    public FleetApi(BuildQueue queue, Workers workers, Recipes recipes, Broker broker, String brokerUrl) {
        this.queue = queue;
        this.workers = workers;
        this.recipes = recipes;
        this.broker = broker;
        this.brokerUrl = brokerUrl;
    }

    public List<Map<String, Object>> workers() {
        return workers.list();
    }

    /** {@code {broker, queued: [JOB], running: [JOB], deadLetters: [...]}}. */
    public Map<String, Object> queue() {
        List<Set<String>> alive = workers.aliveLabels();
        List<Map<String, Object>> queued = new ArrayList<>();
        List<Map<String, Object>> running = new ArrayList<>();
        for (BuildJob j : queue.jobs()) {
            if (!j.pending()) continue;
            Map<String, Object> m = job(j);
            if ("running".equals(j.state())) {
                Heartbeat.Running r = workers.running(j.id());
                m.put("stage", r == null ? null : r.stage());
                running.add(m);
            } else {
                m.put("waitingFor", waitingFor(j, alive));
                queued.add(m);
            }
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("embedded", broker != null);
        b.put("url", broker != null ? broker.tcpUrl() : BrokerConnection.display(brokerUrl));
        if (broker != null) {
            b.put("requests", broker.messageCount(FleetNames.BUILDS));
            b.put("deadLetters", broker.messageCount(FleetNames.DEAD_LETTERS));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("broker", b);
        out.put("queued", queued);
        out.put("running", running);
        out.put("deadLetters", queue.deadLetters());
        return out;
    }

    public Map<String, Object> retry(@Header("id") String id) throws IOException {
        if (id == null || !BUILD_ID.matcher(id).matches()) throw new UserError("bad build id '" + id + "' (like 20260101-030000-a1b2c3)");
        BuildQueue.Submitted s = queue.retry(id);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.job().id());
        m.put("recipe", s.job().recipe());
        m.put("state", s.job().state());
        m.put("queuedNow", s.queuedNow());
        return m;
    }

    private static Map<String, Object> job(BuildJob j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("recipe", j.recipe());
        m.put("source", j.source());
        m.put("submitted", j.submitted());
        m.put("state", j.state());
        m.put("ref", j.ref());
        m.put("worker", j.worker());
        m.put("attempts", j.attempts());
        m.put("lastError", j.lastError());
        return m;
    }

    /** Why a queued build is not running: another build of its recipe, or no live worker with its labels. */
    private String waitingFor(BuildJob j, List<Set<String>> alive) {
        if (!j.sent()) return "the running build of " + j.recipe();
        List<String> requires;
        try {
            requires = recipes.get(j.recipe()).recipe().build().requires();
        } catch (RuntimeException e) {
            requires = List.of();
        }
        if (alive.isEmpty()) return "a worker (none is connected)";
        List<String> need = requires;
        if (!need.isEmpty() && alive.stream().noneMatch(l -> l.containsAll(need))) {
            return "a worker with the labels " + String.join(", ", need) + " (no worker connected has them)";
        }
        return "a free worker";
    }
}
