package io.ingot.pipeline.stage;

import io.ingot.util.Durations;
import dev.failsafe.Execution;
import dev.failsafe.RetryPolicy;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A provisioner's attempts: the first, then up to {@code retries} more after a failure of a kind the recipe's
 * {@code retryOn} lists (by default a timeout or a lost connection: a command's own exit status is retried only
 * when the recipe asks, since the same command mostly fails the same way again). Before each retry it waits,
 * from {@link #FIRST_DELAY} doubling up to {@link #MAX_DELAY}, so a flaky mirror gets time to recover. Failsafe's
 * retry policy decides whether to retry and how long to pause; the pause itself goes through the {@link Sleeper}.
 */
final class ProvisionerRetries {
    static final Duration FIRST_DELAY = Duration.ofSeconds(5);
    static final Duration MAX_DELAY = Duration.ofMinutes(1);

    /** One attempt of the step. */
    interface Attempt {
        void run() throws Exception;
    }

    /** How to wait between attempts (a test passes one that only records). */
    interface Sleeper {
        void sleep(Duration pause) throws InterruptedException;
    }

    private final Sleeper sleeper;

    ProvisionerRetries() {
        this(pause -> Thread.sleep(pause.toMillis()));
    }

    ProvisionerRetries(Sleeper sleeper) {
        this.sleeper = sleeper;
    }

    /**
     * Runs {@code attempt} until it succeeds or has failed {@code 1 + retries} times; only a
     * {@link ProvisionStage.ProvisionerFailed} of a kind {@code retryOn} lists is retried, anything else ends the
     * step at once.
     */
    void run(String label, int retries, List<String> retryOn, Consumer<String> log, Attempt attempt) throws Exception {
        int attempts = 1 + retries;
        Execution<Object> execution = Execution.of(RetryPolicy.builder()
                .handleIf(e -> e instanceof ProvisionStage.ProvisionerFailed f && retryOn.contains(f.kind()))
                .withMaxRetries(retries).withBackoff(FIRST_DELAY, MAX_DELAY, 2).build());
        for (int n = 1; ; n++) {
            log.accept("provisioner " + label + (attempts > 1 ? " (attempt " + n + "/" + attempts + ")" : ""));
            try {
                attempt.run();
                return;
            } catch (ProvisionStage.ProvisionerFailed e) {
                execution.recordException(e);
                if (execution.isComplete()) {
                    if (n < attempts) {
                        log.accept(e.getMessage() + "; not retried (retryOn: [" + String.join(", ", retryOn) + "] does not list " + e.kind() + ")");
                    }
                    throw e;
                }
                Duration pause = execution.getDelay();
                log.accept(e.getMessage() + "; retrying in " + Durations.format(pause));
                sleeper.sleep(pause);
            }
        }
    }
}
