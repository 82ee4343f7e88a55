package io.ingot.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusyLoadTest {
    @Test
    void loopsRunUntilClosed() throws Exception {
        List<ProcessHandle> loops;
        try (BusyLoad load = BusyLoad.start(2)) {
            assertEquals(2, load.size());
            loops = ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains("while :")).toList();
            assertEquals(2, loops.size(), "two busy loops run beside the benchmark");
        }
        for (ProcessHandle p : loops) assertFalse(p.isAlive(), "a busy loop outlived the benchmark");
    }

    @Test
    void loadAverageHasThreeFigures() {
        List<Double> avg = BusyLoad.average();
        assertEquals(3, avg.size());
        assertTrue(avg.get(0) >= 0);
    }
}
