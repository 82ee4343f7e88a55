package io.ingot.util;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CloseStackTest {
    @Test
    void closesInReverseAndKeepsGoingPastAFailure() {
        List<String> closed = new ArrayList<>();
        CloseStack stack = new CloseStack();
        stack.push(() -> closed.add("broker"));
        stack.push(() -> {
            closed.add("connection");
            throw new IllegalStateException("connection lost");
        });
        stack.push(() -> closed.add("engine"));
        IllegalStateException e = assertThrows(IllegalStateException.class, stack::close);
        assertEquals("connection lost", e.getMessage());
        assertEquals(List.of("engine", "connection", "broker"), closed);
    }

    @Test
    void aFailedStartKeepsItsCauseAndClosesWhatItOpened() {
        List<String> closed = new ArrayList<>();
        CloseStack stack = new CloseStack();
        stack.push(() -> closed.add("front"));
        stack.push(() -> {
            throw new IllegalStateException("broker would not stop");
        });
        RuntimeException cause = new RuntimeException("cannot listen");
        assertSame(cause, stack.closeAfter(cause));
        assertEquals(List.of("front"), closed);
        assertEquals("broker would not stop", cause.getSuppressed()[0].getMessage());
    }
}
