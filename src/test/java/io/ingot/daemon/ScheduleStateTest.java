package io.ingot.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleStateTest {

    @Test
    void pausesAfterNConsecutiveFailuresAndASuccessResetsTheCount(@TempDir Path state) {
        ScheduleStates states = new ScheduleStates(state);
        states.update("r", s -> s.failed("failed: x", 3));
        states.update("r", s -> s.failed("failed: x", 3));
        assertFalse(states.get("r").paused());
        states.update("r", s -> s.succeeded("hash-1", "built"));
        assertEquals(0, states.get("r").consecutiveFailures());
        assertEquals("hash-1", states.get("r").lastBuiltHash());
        for (int i = 0; i < 3; i++) states.update("r", s -> s.failed("failed: x", 3));
        ScheduleState paused = states.get("r");
        assertTrue(paused.paused());
        assertTrue(paused.pausedReason().contains("3 consecutive failed builds"), paused.pausedReason());
        assertEquals("hash-1", paused.lastBuiltHash(), "a failure keeps the last good build's hash");
        ScheduleState resumed = new ScheduleStates(state).resume("r");
        assertFalse(resumed.paused());
        assertEquals(0, resumed.consecutiveFailures());
    }
}
