package io.ingot.daemon;

import io.ingot.pipeline.Timings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics keeps the names the docs quote, adds a real histogram of build durations and the JVM's own metrics. */
class MetricsTest {
    @Test
    void buildCountersStageTimesDurationHistogramAndJvm() {
        try (Metrics m = new Metrics()) {
            m.build("tiny-linux", "succeeded", Duration.ofSeconds(45), List.of(new Timings.Entry("media", Instant.now(), 1500, "ok")));
            m.build("tiny-linux", "failed", Duration.ofMinutes(3), List.of());
            m.skipped("debian-12");
            m.gauge("ingot.builds.queued", "Builds waiting in the queue.", () -> 2);
            String text = m.scrape();
            for (String expected : List.of(
                    "ingot_builds_total{recipe=\"tiny-linux\",status=\"succeeded\"} 1",
                    "ingot_builds_total{recipe=\"tiny-linux\",status=\"failed\"} 1",
                    "ingot_build_failures_total{recipe=\"tiny-linux\"} 1",
                    "ingot_schedule_skipped_total{recipe=\"debian-12\"} 1",
                    "ingot_build_stage_seconds_sum{stage=\"media\"} 1.5",
                    "ingot_build_stage_seconds_count{stage=\"media\"} 1",
                    "# TYPE ingot_build_duration_seconds histogram",
                    "ingot_build_duration_seconds_bucket{recipe=\"tiny-linux\",le=\"60.0\"} 1",
                    "ingot_build_duration_seconds_bucket{recipe=\"tiny-linux\",le=\"300.0\"} 2",
                    "ingot_build_duration_seconds_count{recipe=\"tiny-linux\"} 2",
                    "ingot_builds_queued 2",
                    "jvm_memory_used_bytes", "jvm_threads_live_threads", "process_uptime_seconds")) {
                assertTrue(text.contains(expected), expected + " in:\n" + text);
            }
        }
    }
}
