package io.ingot.util;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    @Test
    void withoutATerminalItPrintsAPlainLineAtEveryTenth() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar("disk.qcow2", 100L << 20, new PrintStream(buf, true, StandardCharsets.UTF_8), false)) {
            for (long done = 0; done <= 100L << 20; done += 1L << 20) bar.update(done);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r") || out.contains("\u001b"), "no terminal control characters in a log");
        List<String> lines = out.lines().toList();
        assertEquals(11, lines.size(), out);
        assertTrue(lines.get(0).startsWith("disk.qcow2 [------------------------------]   0%  0/100 MiB"), lines.get(0));
        assertTrue(lines.get(5).contains("  50%  50/100 MiB"), lines.get(5));
        assertTrue(lines.get(10).startsWith("disk.qcow2 [##############################] 100%  100/100 MiB"), lines.get(10));
    }

    @Test
    void onATerminalItRedrawsOneLineInPlace() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar("pull", 1000, new PrintStream(buf, true, StandardCharsets.UTF_8), true);
        bar.update(10);
        bar.update(1000);
        bar.close();
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), "one line, ended once: " + out);
        assertTrue(out.startsWith("\rpull ["), out);
        assertTrue(out.contains("100%"), out);
    }

    @Test
    void aConversionShowsPercentOnly() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar.Factory f = (label, total) -> new ProgressBar(label, total, new PrintStream(buf, true, StandardCharsets.UTF_8), false);
        try (ProgressBar bar = f.openPercent("converting")) {
            bar.update(2_500);
        }
        assertTrue(buf.toString(StandardCharsets.UTF_8).lines().anyMatch(l -> l.endsWith(" 25%")), buf.toString(StandardCharsets.UTF_8));
    }
}
