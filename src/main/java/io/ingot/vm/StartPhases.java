package io.ingot.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a memory clone's start spends its time: milliseconds from one instant (spawning QEMU, or claiming a warm
 * pool process) to the end of each step, in order ({@code ingot bench ram} reports them, to find the seconds).
 */
public final class StartPhases {
    /** One step's end, in milliseconds from the start. */
    public record Phase(String name, double ms) { }

    private final long start;
    private final boolean recording;
    private final List<Phase> phases = new ArrayList<>();

    public StartPhases(long startNanos) {
        this(startNanos, true);
    }

    private StartPhases(long startNanos, boolean recording) {
        this.start = startNanos;
        this.recording = recording;
    }

    /** A timer that records nothing (callers that do not measure). */
    public static StartPhases none() {
        return new StartPhases(System.nanoTime(), false);
    }

    /** The step {@code name} ended now. */
    public synchronized void mark(String name) {
        if (recording) phases.add(new Phase(name, (System.nanoTime() - start) / 1e6));
    }

    public synchronized List<Phase> phases() {
        return List.copyOf(phases);
    }
}
