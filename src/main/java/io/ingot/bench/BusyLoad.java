package io.ingot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --load N}: N busy loops ({@code sh} spinning) beside a benchmark, to measure it on a loaded machine; they end
 * with {@link #close()}. Also reads the load average a report records with its figures.
 */
final class BusyLoad implements AutoCloseable {
    private final List<Process> loops = new ArrayList<>();

    private BusyLoad() { }

    static BusyLoad start(int n) throws IOException {
        BusyLoad load = new BusyLoad();
        try {
            for (int i = 0; i < n; i++) {
                load.loops.add(new ProcessBuilder("sh", "-c", "while :; do :; done")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
        } catch (IOException e) {
            load.close();
            throw e;
        }
        return load;
    }

    int size() { return loops.size(); }

    /** The 1, 5 and 15 minute load averages, as /proc/loadavg has them. */
    static List<Double> average() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        for (Process p : loops) p.destroy();
        for (Process p : loops) {
            try {
                if (!p.waitFor(Duration.ofSeconds(2).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
