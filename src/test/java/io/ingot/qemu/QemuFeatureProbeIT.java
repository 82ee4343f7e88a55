package io.ingot.qemu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingot.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe against the QEMU of this run ({@code INGOT_QEMU} or PATH; CI runs it for 7.2 and 10.0): every
 * feature it reports is accepted by that QEMU, every one it denies is refused. Nothing assumes a version.
 */
class QemuFeatureProbeIT {
    private final Path system = QemuInstallation.findSystem(System.getenv()).orElseThrow();

    /** The second run of these tests (pom.xml, profile qemu-backports) must really be on the QEMU it names. */
    @Test
    void theQemuOfThisRunIsTheOneThePomNames() {
        String expected = System.getProperty("ingot.it.expect.qemu");
        org.junit.jupiter.api.Assumptions.assumeTrue(expected != null, "the run on the QEMU of PATH");
        assertEquals(Path.of(expected), system);
        assertEquals(Path.of(expected).resolveSibling("qemu-img"), QemuInstallation.findImg(System.getenv()).orElseThrow());
    }

    @Test
    void whatTheProbeReportsIsWhatQemuAccepts(@TempDir Path dir) throws Exception {
        QemuFeatures f = new QemuFeatureProbe(null).probe(system).features();
        assertEquals(4, f.how().size(), f.how().toString());
        assertFalse(f.how().containsValue("QMP did not answer"), "QMP answered: " + f.how());

        Answer exit = run(List.of("-run-with", "exit-with-parent=on"), "");
        assertEquals(f.exitWithParent(), exit.exitCode() == 0, "exit-with-parent " + f.how() + ": " + exit);

        Files.write(dir.resolve("mem"), new byte[1 << 20]);
        Answer rom = run(List.of("-object", "memory-backend-file,id=m,size=1M,mem-path=" + dir.resolve("mem") + ",rom=off"), "");
        assertEquals(f.memoryBackendRom(), rom.exitCode() == 0, "rom= " + f.how() + ": " + rom);

        Answer mapped = run(List.of(), "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
                + "[{\"capability\":\"mapped-ram\",\"state\":true}]},\"id\":\"t\"}");
        assertEquals(f.mappedRam(), mapped.answered("t"), "mapped-ram " + f.how() + ": " + mapped);

        Answer file = run(List.of(), "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"file:" + dir.resolve("state")
                + "\"},\"id\":\"t\"}");
        assertEquals(f.fileMigration(), file.answered("t"), "file: " + f.how() + ": " + file);
    }

    @Test
    void answersAreRememberedUntilTheBinaryChanges(@TempDir Path dir) throws Exception {
        // a copy whose ../lib is the original's: QEMU finds its modules (Debian's 7.2 has TCG in one) relative to itself
        Path copy = dir.resolve("usr/bin/qemu-system-x86_64");
        Files.createDirectories(copy.getParent());
        Files.copy(system, copy);
        copy.toFile().setExecutable(true);
        Files.createSymbolicLink(dir.resolve("usr/lib"), system.toRealPath().getParent().resolveSibling("lib"));
        Path cache = dir.resolve("state/qemu-features.json");
        QemuFeatureProbe.Probed first = new QemuFeatureProbe(cache).probe(copy);
        assertTrue(Files.isRegularFile(cache));
        assertEquals(new QemuFeatureProbe(null).probe(system), first, "the copy answers as the original");

        // an answer planted in the cache is used as long as the binary is the same file
        ObjectNode all = (ObjectNode) Json.MAPPER.readTree(cache.toFile());
        ObjectNode features = (ObjectNode) all.get(copy.toString()).get("features");
        features.put("mappedRam", !first.features().mappedRam());
        Json.MAPPER.writeValue(cache.toFile(), all);
        assertEquals(!first.features().mappedRam(), new QemuFeatureProbe(cache).probe(copy).features().mappedRam(),
                "the second process reads the remembered answer");

        // a binary replaced in place (a package upgrade) is asked again
        Files.setLastModifiedTime(copy, FileTime.from(Instant.now().plusSeconds(5)));
        QemuFeatures again = new QemuFeatureProbe(cache).probe(copy).features();
        assertEquals(first.features(), again, "asked again: " + again.how() + ", first: " + first.features().how());
        assertEquals(first.version(), new QemuFeatureProbe(cache).probe(copy).version());
    }

    private record Answer(int exitCode, String out) {
        boolean answered(String id) {
            return out.lines().anyMatch(l -> l.contains("\"id\": \"" + id + "\"") && l.contains("\"return\""));
        }
    }

    /** A QEMU without a machine, QMP on stdio: {@code extra} arguments, then one command and quit. */
    private Answer run(List<String> extra, String command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(system.toString(), "-machine", "none", "-nodefaults", "-display", "none",
                "-qmp", "stdio"));
        argv.addAll(extra);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(("{\"execute\":\"qmp_capabilities\"}\n" + command + "\n{\"execute\":\"quit\"}\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // QEMU refused its command line and ended
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return new Answer(p.exitValue(), out);
    }
}
