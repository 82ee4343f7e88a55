package io.ingot.daemon;

import io.ingot.pipeline.Timings;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Build counters and stage durations, written in Prometheus' text exposition format on {@code /metrics}. */
public final class Metrics {
    private final Map<String, Long> builds = new TreeMap<>();          // recipe\0status -> count
    private final Map<String, double[]> stages = new TreeMap<>();      // stage -> {sum seconds, count}
    private final Map<String, Long> failures = new TreeMap<>();        // recipe -> failed builds
    private final Map<String, Long> skips = new TreeMap<>();           // recipe -> unchanged scheduled runs

    public synchronized void build(String recipe, String status, List<Timings.Entry> timings) {
        builds.merge(recipe + "\0" + status, 1L, Long::sum);
        if ("failed".equals(status)) failures.merge(recipe, 1L, Long::sum);
        for (Timings.Entry e : timings) {
            double[] s = stages.computeIfAbsent(e.stage(), k -> new double[2]);
            s[0] += e.durationMillis() / 1000.0;
            s[1] += 1;
        }
    }

    public synchronized void skipped(String recipe) {
        skips.merge(recipe, 1L, Long::sum);
    }

    public synchronized String text(int queued, int running) {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP ingot_builds_total Builds finished by the daemon, by recipe and status.\n");
        sb.append("# TYPE ingot_builds_total counter\n");
        builds.forEach((k, n) -> {
            String[] p = k.split("\0");
            sb.append("ingot_builds_total{recipe=\"").append(p[0]).append("\",status=\"").append(p[1]).append("\"} ").append(n).append('\n');
        });
        sb.append("# HELP ingot_build_failures_total Failed builds, by recipe.\n");
        sb.append("# TYPE ingot_build_failures_total counter\n");
        failures.forEach((r, n) -> sb.append("ingot_build_failures_total{recipe=\"").append(r).append("\"} ").append(n).append('\n'));
        sb.append("# HELP ingot_schedule_skipped_total Scheduled runs skipped because nothing changed.\n");
        sb.append("# TYPE ingot_schedule_skipped_total counter\n");
        skips.forEach((r, n) -> sb.append("ingot_schedule_skipped_total{recipe=\"").append(r).append("\"} ").append(n).append('\n'));
        sb.append("# HELP ingot_build_stage_seconds Time spent in each build stage.\n");
        sb.append("# TYPE ingot_build_stage_seconds summary\n");
        stages.forEach((st, s) -> {
            sb.append("ingot_build_stage_seconds_sum{stage=\"").append(st).append("\"} ").append(s[0]).append('\n');
            sb.append("ingot_build_stage_seconds_count{stage=\"").append(st).append("\"} ").append((long) s[1]).append('\n');
        });
        sb.append("# HELP ingot_builds_queued Builds waiting in the queue.\n# TYPE ingot_builds_queued gauge\n");
        sb.append("ingot_builds_queued ").append(queued).append('\n');
        sb.append("# HELP ingot_builds_running Builds running now.\n# TYPE ingot_builds_running gauge\n");
        sb.append("ingot_builds_running ").append(running).append('\n');
        return sb.toString();
    }
}
