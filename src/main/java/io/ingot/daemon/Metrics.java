package io.ingot.daemon;

import io.ingot.pipeline.Timings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The daemon's metrics on {@code /metrics} (Prometheus text), kept by Micrometer: builds by recipe and status,
 * failures, skipped scheduled runs, time per stage, a histogram of build durations per recipe, the queue,
 * and the JVM's own (memory, GC, threads, classes, CPU, uptime).
 */
public final class Metrics implements AutoCloseable {
    /** Bucket bounds of ingot_build_duration_seconds: a tiny build takes a minute, an installer ISO an hour. */
    private static final Duration[] BUILD_BUCKETS = {Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
            Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20), Duration.ofMinutes(30), Duration.ofHours(1),
            Duration.ofHours(2)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** A build ended: {@code duration} is from its start to its end, {@code timings} its stages. */
    public void build(String recipe, String status, Duration duration, List<Timings.Entry> timings) {
        Counter.builder("ingot.builds").description("Builds finished by the daemon, by recipe and status.")
                .tags("recipe", recipe, "status", status).register(registry).increment();
        if ("failed".equals(status)) {
            Counter.builder("ingot.build.failures").description("Failed builds, by recipe.")
                    .tag("recipe", recipe).register(registry).increment();
        }
        if (duration != null) {
            Timer.builder("ingot.build.duration").description("Time from a build's start to its end, by recipe.")
                    .tag("recipe", recipe).serviceLevelObjectives(BUILD_BUCKETS).register(registry).record(duration);
        }
        for (Timings.Entry e : timings) {
            Timer.builder("ingot.build.stage").description("Time spent in each build stage.")
                    .tag("stage", e.stage()).register(registry).record(Duration.ofMillis(e.durationMillis()));
        }
    }

    public void skipped(String recipe) {
        Counter.builder("ingot.schedule.skipped").description("Scheduled runs skipped because nothing changed.")
                .tag("recipe", recipe).register(registry).increment();
    }

    /** A value read at each scrape, e.g. the builds queued now. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
