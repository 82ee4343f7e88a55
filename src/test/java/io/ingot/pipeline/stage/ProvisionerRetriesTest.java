package io.ingot.pipeline.stage;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Provisioner retries wait between attempts: 5s, doubling, at most a minute, and say so in the log; only the failures retryOn lists are retried. */
class ProvisionerRetriesTest {
    private final List<Duration> pauses = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final ProvisionerRetries retries = new ProvisionerRetries(pauses::add);
    /** A recipe that asks for exit statuses to be retried ({@code retryOn: [exit]}). */
    private static final List<String> EXIT = List.of("exit");

    @Test
    void pausesGrowExponentiallyUpToTheCapAndAreLogged() {
        AtomicInteger calls = new AtomicInteger();
        ProvisionStage.ProvisionerFailed last = assertThrows(ProvisionStage.ProvisionerFailed.class, () ->
                retries.run("mirror", 7, EXIT, log::add, () -> {
                    throw new ProvisionStage.ProvisionerFailed("exit", "provisioner 'mirror' exited with status " + calls.incrementAndGet());
                }));
        assertEquals(8, calls.get(), "the first attempt and 7 retries");
        assertEquals("provisioner 'mirror' exited with status 8", last.getMessage());
        assertEquals(List.of(5, 10, 20, 40, 60, 60, 60), pauses.stream().map(d -> (int) d.toSeconds()).toList());
        assertEquals("provisioner mirror (attempt 1/8)", log.get(0));
        assertEquals("provisioner 'mirror' exited with status 1; retrying in 5.0s", log.get(1));
        assertEquals("provisioner mirror (attempt 2/8)", log.get(2));
        assertEquals("provisioner 'mirror' exited with status 5; retrying in 1m00s", log.get(9));
    }

    @Test
    void aStepThatSucceedsOnASecondAttemptWaitsOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        retries.run("flaky", 3, EXIT, log::add, () -> {
            if (calls.incrementAndGet() == 1) throw new ProvisionStage.ProvisionerFailed("exit", "provisioner 'flaky' exited with status 1");
        });
        assertEquals(2, calls.get());
        assertEquals(List.of(Duration.ofSeconds(5)), pauses);
    }

    @Test
    void withoutRetriesOrForOtherFailuresThereIsNoPause() {
        assertThrows(ProvisionStage.ProvisionerFailed.class, () -> retries.run("once", 0, EXIT, log::add, () -> {
            throw new ProvisionStage.ProvisionerFailed("exit", "failed");
        }));
        IllegalStateException bug = new IllegalStateException("not a provisioner failure");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> retries.run("other", 5, EXIT, log::add, () -> {
            throw bug;
        })));
        assertEquals(List.of(), pauses);
        assertEquals(List.of("provisioner once", "provisioner other (attempt 1/6)"), log);
    }

    @Test
    void aFailureRetryOnDoesNotListIsNotRetriedAndTheLogSaysWhy() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(ProvisionStage.ProvisionerFailed.class, () -> retries.run("apt", 2, List.of("timeout", "disconnect"), log::add, () -> {
            calls.incrementAndGet();
            throw new ProvisionStage.ProvisionerFailed("exit", "provisioner 'apt' exited with status 3");
        }));
        assertEquals(1, calls.get());
        assertEquals(List.of(), pauses);
        assertEquals(List.of("provisioner apt (attempt 1/3)",
                "provisioner 'apt' exited with status 3; not retried (retryOn: [timeout, disconnect] does not list exit)"), log);
    }
}
