package io.ingot.qemu;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Saves a VM's screen as a PNG every few seconds (QMP {@code screendump}), replacing the file
 * atomically so readers (the web page, a user's image viewer) never see half of one. QEMU writes PNG
 * itself where it was built with libpng; otherwise its PPM is converted here.
 */
public final class ScreenRecorder implements AutoCloseable {
    private final Vm vm;
    private final Path target;
    private final ScheduledExecutorService timer;
    private volatile boolean png = true;

    private ScreenRecorder(Vm vm, Path target, Duration interval) {
        this.vm = vm;
        this.target = target;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "screen-" + target.getFileName());
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts recording {@code vm}'s screen into {@code target} every {@code interval}. */
    public static ScreenRecorder start(Vm vm, Path target, Duration interval) {
        return new ScreenRecorder(vm, target, interval);
    }

    public Path target() { return target; }

    private void tick() {
        try {
            if (vm.isAlive()) capture();
        } catch (RuntimeException | IOException e) {
            // the VM is going away, or its display is not up yet: the next tick tries again
        }
    }

    /** Saves the screen now; empty when the VM is gone or has no display. */
    public synchronized Optional<Path> capture() throws IOException {
        if (!vm.isAlive()) return Optional.empty();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (png) {
            try {
                vm.qmp().execute("screendump", Map.of("filename", tmp.toString(), "format", "png"));
            } catch (QmpException e) {
                if (!"GenericError".equals(e.errorClass()) && !"Disconnected".equals(e.errorClass())) throw e;
                if ("Disconnected".equals(e.errorClass())) return Optional.empty();
                png = false; // an older QEMU or one without libpng: PPM, converted below
            }
        }
        if (!png) {
            Path ppm = target.resolveSibling(target.getFileName() + ".ppm");
            vm.qmp().execute("screendump", Map.of("filename", ppm.toString()));
            ImageIO.write(readPpm(ppm), "png", tmp.toFile());
            Files.deleteIfExists(ppm);
        }
        if (!Files.isRegularFile(tmp)) return Optional.empty();
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Optional.of(target);
    }

    /** A binary PPM (P6, maxval 255) as QEMU's screendump writes it. */
    static BufferedImage readPpm(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            if (!"P6".equals(token(in))) throw new IOException(file + " is not a binary PPM");
            int width = Integer.parseInt(token(in));
            int height = Integer.parseInt(token(in));
            int max = Integer.parseInt(token(in));
            if (max != 255) throw new IOException(file + ": unsupported PPM maxval " + max);
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            byte[] row = new byte[width * 3];
            for (int y = 0; y < height; y++) {
                if (in.readNBytes(row, 0, row.length) != row.length) throw new IOException(file + " is truncated");
                for (int x = 0; x < width; x++) {
                    img.setRGB(x, y, (row[3 * x] & 0xff) << 16 | (row[3 * x + 1] & 0xff) << 8 | (row[3 * x + 2] & 0xff));
                }
            }
            return img;
        }
    }

    /** The next whitespace-separated header token (the single whitespace byte after the last one is consumed). */
    private static String token(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '#' && sb.isEmpty()) {
                while ((c = in.read()) >= 0 && c != '\n') { /* comment */ }
                continue;
            }
            if (Character.isWhitespace(c)) {
                if (sb.isEmpty()) continue;
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
