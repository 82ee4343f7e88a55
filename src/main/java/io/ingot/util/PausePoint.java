package io.ingot.util;

/**
 * Test hook for the kill -9 tests: when the environment variable {@value #ENV} names a point this process
 * reaches, it says so on stderr ({@code INGOT-PAUSED <point>}) and waits to be killed. Unset, it costs one
 * environment lookup. Points: {@code accel-probe}, {@code stage:<stage>}, {@code publish:before-rename},
 * {@code publish:before-catalog}, {@code version-rm:marked}, {@code version-rm:renamed}, {@code clone:before-catalog},
 * {@code clone-rm:renamed}, {@code start:before-record}, {@code pool:before-slot}.
 */
public final class PausePoint {
    public static final String ENV = "INGOT_TEST_PAUSE";
    public static final String MARK = "INGOT-PAUSED ";

    private PausePoint() { }

    public static void at(String point) {
        if (!point.equals(System.getenv(ENV))) return;
        System.err.println(MARK + point);
        System.err.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while paused at " + point);
        }
    }
}
