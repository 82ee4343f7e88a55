package io.ingot.it;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.OnError;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An installer that stops making progress (here: tiny-linux's ISOLINUX, its boot command typed without the final
 * Enter, so it waits at its prompt forever, as an installer waits at a question) fails the build after
 * boot.stallTimeout, not boot.timeout, and leaves the PNG of its last screen; {@code --vnc} showed that screen live on
 * loopback while it ran. (An installer of ingot's that says it failed ends the build at once: BuildFailureIT.)
 */
class InstallerStallIT {
    private static final Pattern VNC = Pattern.compile("VNC: vnc://127\\.0\\.0\\.1:(\\d+)");

    @Test
    void aStalledInstallerFailsWithItsLastScreenAndWasWatchableOverVnc() throws Exception {
        Path recipe = TestImages.variant("stall", text -> text.replace("  timeout: 5m\n", "  timeout: 5m\n  stallTimeout: 20s\n")
                .replace("/answers.cfg<enter>", "/answers.cfg"));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        CompletableFuture<String> rfb = new CompletableFuture<>();
        PrintStream out = new PrintStream(new OutputStream() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public synchronized void write(int b) {
                console.write(b);
                if (b != '\n') {
                    line.append((char) b);
                    return;
                }
                Matcher m = VNC.matcher(line);
                if (m.find()) {
                    int port = Integer.parseInt(m.group(1));
                    CompletableFuture.runAsync(() -> rfb.complete(banner(port)));
                }
                line.setLength(0);
            }
        }, true, StandardCharsets.UTF_8);
        long started = System.nanoTime();
        BuildContext b = TestImages.build(recipe, Map.of(), new BuildOptions(OnError.CLEANUP, out, true));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);

        assertNotNull(b.failure(), "a stalled installer fails the build");
        String message = b.failure().getMessage();
        assertTrue(message.contains("stage wait-install failed: the installer made no progress for 20"), message);
        assertTrue(seconds < 240, "it failed at the stall time, not at boot.timeout (5m): " + seconds + "s");
        Path screen = b.buildDir().resolve("screen.png");
        assertTrue(message.contains("last screen: " + screen), message);
        BufferedImage png = ImageIO.read(screen.toFile());
        assertNotNull(png, "screen.png is a PNG");
        assertTrue(png.getWidth() >= 640 && png.getHeight() >= 400, png.getWidth() + "x" + png.getHeight());
        assertTrue(message.contains("boot: install url=http://"), "the console's tail shows it waiting at the boot prompt: " + message);
        assertFalse(message.contains("ingot-install:"), "the installer never started: " + message);

        assertTrue(rfb.get(10, TimeUnit.SECONDS).startsWith("RFB 003."), "--vnc printed a VNC server's address");
        assertEquals(List.of(), TestImages.qemuProcessesMentioning(b.buildId()), "no QEMU is left");
        assertTrue(Files.isRegularFile(b.buildDir().resolve("serial-install.log")));
    }

    /** The first line a VNC server sends, e.g. {@code RFB 003.008}. */
    private static String banner(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        } catch (Exception e) {
            return "no banner: " + e;
        }
    }
}
