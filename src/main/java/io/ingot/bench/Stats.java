package io.ingot.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Timings of repeated runs in milliseconds: total, p50, p95. */
public record Stats(int n, double totalMs, double p50Ms, double p95Ms) {
    public static Stats of(List<Double> samplesMs) {
        List<Double> s = new ArrayList<>(samplesMs);
        Collections.sort(s);
        double total = s.stream().mapToDouble(Double::doubleValue).sum();
        return new Stats(s.size(), total, percentile(s, 50), percentile(s, 95));
    }

    /** Nearest-rank percentile of sorted samples. */
    static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) return Double.NaN;
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
