package io.ingot.pipeline;


import io.ingot.util.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Each stage's start and duration, written as {@code timings.json} in the build directory. */
public final class Timings {
    public record Entry(String stage, Instant started, long durationMillis, String status) { }

    private final List<Entry> entries = new ArrayList<>();

    public synchronized void add(String stage, Instant started, long durationMillis, String status) {
        entries.add(new Entry(stage, started, durationMillis, status));
    }

    public synchronized List<Entry> entries() { return List.copyOf(entries); }

    /** Stage name to milliseconds, for the template manifest. */
    public synchronized Map<String, Long> millisByStage() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Entry e : entries) m.put(e.stage(), e.durationMillis());
        return m;
    }

    public synchronized void write(Path file) throws IOException {
        Json.PRETTY.writeValue(file.toFile(), Map.of("stages", entries));
    }
}
