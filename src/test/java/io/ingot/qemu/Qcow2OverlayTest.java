package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.util.Command;
import io.ingot.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process overlay against what qemu-img itself makes and reads (qemu-img is the format's reference here). */
class Qcow2OverlayTest {

    @ParameterizedTest
    @CsvSource({"qcow2, 1G", "qcow2, 20G", "qcow2, 1000000000", "qcow2, 1M", "raw, 3G", "qcow2, 5T"})
    void sameOverlayAsQemuImgCreate(String format, String size, @TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("templates/t/1"));
        Path base = dir.resolve("templates/t/1/base." + format);
        run("qemu-img", "create", "-q", "-f", format, base.toString(), size);
        Files.createDirectories(dir.resolve("clones/a"));
        Files.createDirectories(dir.resolve("clones/b"));
        String relative = "../../templates/t/1/base." + format;
        Path ours = dir.resolve("clones/a/disk.qcow2");
        Path theirs = dir.resolve("clones/b/disk.qcow2");

        assertTrue(Qcow2Overlay.create(ours, relative, format));
        run("qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b", relative, theirs.toString());

        assertEquals(info(theirs), info(ours));
        assertEquals(relative, info(ours).get("backing-filename").asText());
        assertEquals(format, info(ours).get("backing-filename-format").asText());
        // no errors, no leaked clusters
        assertEquals(0, Command.exec(List.of("qemu-img", "check", "-f", "qcow2", ours.toString())).exitCode());
        assertEquals(Files.size(theirs), Files.size(ours));
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
    }

    @Test
    void readsThroughToTheBaseAndTakesWrites(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "64M");
        run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 2M", base.toString());
        Path overlay = dir.resolve("disk.qcow2");
        assertTrue(Qcow2Overlay.create(overlay, "base.qcow2", "qcow2"));
        assertEquals(0, Command.exec(List.of("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2",
                base.toString(), overlay.toString())).exitCode(), "the overlay reads as its base");

        run("qemu-io", "-f", "qcow2", "-c", "write -P 0xa5 2M 1M", overlay.toString());
        String read = run("qemu-io", "-f", "qcow2", "-c", "read -P 0xa5 2M 1M", "-c", "read -P 0x5a 1M 1M", overlay.toString());
        assertFalse(read.contains("Pattern verification failed"), read);
        assertEquals(0, Command.exec(List.of("qemu-img", "check", "-f", "qcow2", overlay.toString())).exitCode());
        assertEquals(1, Command.exec(List.of("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2",
                base.toString(), overlay.toString())).exitCode(), "the write landed in the overlay only");
    }

    @Test
    void refusesWhatItCannotDo(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("not.qcow2"), "not an image at all, but long enough to have a header");
        assertThrows(java.io.IOException.class, () -> Qcow2Overlay.create(dir.resolve("a.qcow2"), "not.qcow2", "qcow2"));
        assertFalse(Files.exists(dir.resolve("a.qcow2")));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Qcow2Overlay.create(dir.resolve("b.qcow2"), "missing.qcow2", "qcow2"));
        run("qemu-img", "create", "-q", "-f", "vmdk", dir.resolve("base.vmdk").toString(), "1M");
        assertFalse(Qcow2Overlay.create(dir.resolve("c.qcow2"), "base.vmdk", "vmdk"), "vmdk sizes are qemu-img's job");
        assertFalse(Files.exists(dir.resolve("c.qcow2")));
    }

    private static JsonNode info(Path image) throws Exception {
        ObjectNode n = (ObjectNode) Json.MAPPER.readTree(run("qemu-img", "info", "--output=json", image.toString()));
        n.remove("filename");
        n.remove("actual-size");
        n.remove("full-backing-filename"); // absolute when qemu-img resolves it, the same file either way
        return n;
    }

    private static String run(String... argv) throws Exception {
        Command.Result r = Command.exec(List.of(argv));
        assertEquals(0, r.exitCode(), String.join(" ", argv) + ": " + r.output());
        return r.stdout();
    }
}
