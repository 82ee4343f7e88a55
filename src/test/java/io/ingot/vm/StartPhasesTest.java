package io.ingot.vm;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartPhasesTest {
    @Test
    void stepsAreKeptInOrderWithTheirTimeFromTheStart() throws InterruptedException {
        StartPhases p = new StartPhases(System.nanoTime());
        p.mark("device state loaded");
        Thread.sleep(20);
        p.mark("cont returned");
        List<StartPhases.Phase> phases = p.phases();
        assertEquals(List.of("device state loaded", "cont returned"), phases.stream().map(StartPhases.Phase::name).toList());
        assertTrue(phases.get(1).ms() - phases.get(0).ms() >= 19, "the second step ends at least 20 ms after the first: " + phases);
    }

    @Test
    void noneRecordsNothing() {
        StartPhases p = StartPhases.none();
        p.mark("cont returned");
        assertTrue(p.phases().isEmpty());
    }
}
