package io.ingot.qemu;

import io.ingot.util.Command;
import io.ingot.util.ProgressBar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** qemu-img convert's own progress (-p) reaches the bar; the converted image is whole. */
class QemuImgProgressTest {
    @Test
    void aConversionReportsItsProgress(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src.qcow2");
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", src.toString(), "32M"));
        Command.run(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 16M", src.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar.Factory bars = (label, total) -> new ProgressBar(label, total, new PrintStream(out, true, StandardCharsets.UTF_8), false);
        Path target = dir.resolve("target.raw");
        new QemuImg(bars).convert(src, "qcow2", target, "raw", false);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.get(0).startsWith("converting src.qcow2 to raw ["), lines.toString());
        assertTrue(lines.get(lines.size() - 1).endsWith("100%"), "the last line says it is done: " + lines);
        assertTrue(lines.size() >= 3, "lines on the way: " + lines);
        assertEquals(0, Command.exec(List.of("qemu-img", "compare", src.toString(), target.toString())).exitCode());
    }
}
