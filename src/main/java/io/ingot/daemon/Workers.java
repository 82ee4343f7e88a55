package io.ingot.daemon;

import io.ingot.fleet.Heartbeat;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workers the daemon has heard from (their heartbeats, route fleet-workers): for the page and
 * {@code GET /api/workers}, and to say of a queued build that no worker can take it. A worker silent for
 * {@link #LOST_AFTER} is shown as lost (its builds come back to the queue when the broker drops its connection);
 * one that said it stops, or is silent for {@link #FORGOTTEN_AFTER}, is no longer listed.
 */
public final class Workers {
    static final Duration LOST_AFTER = Duration.ofSeconds(20);
    static final Duration FORGOTTEN_AFTER = Duration.ofMinutes(30);
    private static final Logger LOG = LoggerFactory.getLogger(Workers.class);

    private final Clock clock;
    private final Map<String, Heartbeat> last = new ConcurrentHashMap<>();

    public Workers(Clock clock) {
        this.clock = clock;
    }

    public void heartbeat(@Body String body) {
        Heartbeat h = Heartbeat.fromJson(body);
        if (h.stopping()) {
            if (last.remove(h.worker()) != null) LOG.info("worker {} on {} stopped", h.worker(), h.host());
            return;
        }
        if (last.put(h.worker(), h) == null) {
            LOG.info("worker {} on {}: labels {}, {} build(s) at once", h.worker(), h.host(), String.join(",", h.labels()), h.concurrency());
        }
    }

    /** The workers, by name: host, labels, builds now (with their stage), last heartbeat, and whether it is alive. */
    public List<Map<String, Object>> list() {
        Instant now = clock.instant();
        List<Map<String, Object>> out = new ArrayList<>();
        List<Heartbeat> all = new ArrayList<>(last.values());
        all.sort(Comparator.comparing(Heartbeat::worker));
        for (Heartbeat h : all) {
            Duration silent = Duration.between(h.at(), now);
            if (silent.compareTo(FORGOTTEN_AFTER) > 0) {
                last.remove(h.worker(), h);
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.worker());
            m.put("host", h.host());
            m.put("labels", h.labels());
            m.put("concurrency", h.concurrency());
            m.put("freeDiskBytes", h.freeDiskBytes());
            m.put("builds", h.builds());
            m.put("lastHeartbeat", h.at().toString());
            m.put("alive", silent.compareTo(LOST_AFTER) <= 0);
            out.add(m);
        }
        return out;
    }

    /** Labels of the workers alive now, one set per worker. */
    List<Set<String>> aliveLabels() {
        Instant now = clock.instant();
        List<Set<String>> out = new ArrayList<>();
        for (Heartbeat h : last.values()) {
            if (Duration.between(h.at(), now).compareTo(LOST_AFTER) <= 0) out.add(new HashSet<>(h.labels()));
        }
        return out;
    }

    /** The worker running build {@code id} now, and its stage, or null. */
    Heartbeat.Running running(String id) {
        for (Heartbeat h : last.values()) {
            for (Heartbeat.Running r : h.builds()) if (r.id().equals(id)) return r;
        }
        return null;
    }
}
