package io.ingot.media;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds the real tinyinstall.iso from Debian packages (or reuses the cached one) and looks inside. */
class TinyInstallMediaIT {

    private static Path cache() {
        String configured = System.getProperty("ingot.it.cache", "");
        if (configured.isBlank() || configured.startsWith("${")) {
            return Path.of(System.getProperty("user.home"), ".cache", "ingot");
        }
        return Path.of(configured);
    }

    /** The archive a build on this host would use: the host's own apt sources (or INGOT_MIRROR). */
    private static DebianArchive archive() {
        return MirrorChooser.ofHost().choose(null, TinyInstallMedia.SUITE);
    }

    @Test
    void isoHoldsIsolinuxAndTheInstaller() throws Exception {
        List<String> progress = new ArrayList<>();
        TinyInstallMedia media = new TinyInstallMedia(cache(), progress::add, archive());

        Path iso = media.ensureIso();

        assertEquals(media.outputDir().resolve("tinyinstall.iso"), iso);
        String listing = run(30, "xorriso", "-indev", iso.toString(), "-find", "/", "-type", "f");
        for (String file : List.of("/isolinux/isolinux.bin", "/isolinux/ldlinux.c32", "/isolinux/isolinux.cfg",
                "/isolinux/vmlinuz", "/isolinux/initrd.img")) {
            assertTrue(listing.contains("'" + file + "'"), file + " missing from " + iso + ":\n" + listing);
        }
        Path extracted = Files.createTempDirectory("isolinux-cfg").resolve("isolinux.cfg");
        run(30, "xorriso", "-osirrox", "on", "-indev", iso.toString(),
                "-extract", "/isolinux/isolinux.cfg", extracted.toString());
        String cfg = Files.readString(extracted);
        Files.delete(extracted);
        Files.delete(extracted.getParent());
        assertTrue(cfg.contains("TIMEOUT 0") && cfg.contains("PROMPT 1") && cfg.contains("SERIAL 0 115200"),
                "isolinux.cfg must wait at boot: on the serial console:\n" + cfg);
        assertTrue(media.kernel().isPresent(), "vmlinuz is cached next to the ISO");

        // A second call reuses the cache instead of building again.
        List<String> again = new ArrayList<>();
        assertEquals(iso, new TinyInstallMedia(cache(), again::add, archive()).ensureIso());
        assertTrue(again.isEmpty(), "cached media must not be rebuilt: " + again);
    }

    @Test
    void kernelAndProbeInitrdReachUserSpace() throws Exception {
        TinyInstallMedia media = new TinyInstallMedia(cache(), line -> { }, archive());
        media.ensureIso();
        Path kernel = media.kernel().orElseThrow();

        String serial = run(120, "qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-display", "none",
                "-no-reboot", "-monitor", "none", "-serial", "stdio",
                "-kernel", kernel.toString(), "-initrd", kernel.resolveSibling("initrd.img").toString(),
                "-append", "quiet console=ttyS0");

        assertTrue(serial.contains("ingot-probe: ok"), "guest output:\n" + serial);
    }

    private static String run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }
}
