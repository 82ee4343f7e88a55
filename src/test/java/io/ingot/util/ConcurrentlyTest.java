package io.ingot.util;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConcurrentlyTest {
    @Test
    void resultsComeInTheOrderOfTheStepsAndTheStepsRunAtOnce() throws Exception {
        CountDownLatch both = new CountDownLatch(2);
        // each step waits for the other to have started: run one after the other, they would time out
        Concurrently.Step<String> a = () -> {
            both.countDown();
            assertTrue(both.await(10, TimeUnit.SECONDS), "the other step did not run at the same time");
            Thread.sleep(50); // finishes last, listed first
            return "a";
        };
        Concurrently.Step<String> b = () -> {
            both.countDown();
            assertTrue(both.await(10, TimeUnit.SECONDS), "the other step did not run at the same time");
            return "b";
        };
        assertEquals(List.of("a", "b"), Concurrently.run(2, a, b));
    }

    @Test
    void theFirstFailureIsThrownAsItWasAndStopsTheOthers() throws Exception {
        IOException cut = new IOException("connection reset");
        AtomicBoolean stopped = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        Concurrently.Step<String> slow = () -> {
            started.countDown();
            try {
                Thread.sleep(60_000); // a long download
                return "never";
            } catch (InterruptedException e) {
                stopped.set(true);
                throw e;
            }
        };
        Concurrently.Step<String> failing = () -> {
            started.await();
            throw cut;
        };
        long t0 = System.nanoTime();
        IOException thrown = assertThrows(IOException.class, () -> Concurrently.run(2, slow, failing));
        assertSame(cut, thrown);
        assertTrue(stopped.get(), "the other step was not interrupted before the failure was thrown");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "waited for the slow step instead of stopping it");
    }

    @Test
    void aUserErrorStaysAUserError() {
        UserError refused = new UserError("sha256 mismatch");
        assertSame(refused, assertThrows(UserError.class, () -> Concurrently.runIo(3, () -> "ok", () -> {
            throw refused;
        })));
    }
}
