package io.ingot.vm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestoreScriptTest {
    @TempDir
    Path dir;

    private static Map<String, String> env(String hostname) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INGOT_HOSTNAME", hostname);
        env.put("INGOT_AUTHORIZED_KEYS", "ssh-ed25519 AAAA owner\nssh-ed25519 BBBB it's ingot");
        return env;
    }

    @Test
    void aClonesScriptHasTheTemplatesSizeAndTheTemplatesPlaceholderRunsNothing() {
        RestoreScript s = RestoreScript.of(List.of("echo \"$INGOT_HOSTNAME\" > /etc/hostname"), env("m1")).orElseThrow();
        assertEquals(RestoreScript.SIZE, s.content().length, "the guest sees the size the template's entry had");
        String text = new String(s.content(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith(RestoreScript.HEADER + s.nonce() + "\n"), text);
        assertTrue(text.strip().endsWith("ingot-onrestore: ok " + s.nonce() + "' > /dev/ttyS0"), text);
        assertEquals(RestoreScript.SIZE, RestoreScript.placeholder(RestoreScript.SIZE).length);
        String placeholder = new String(RestoreScript.placeholder(RestoreScript.SIZE), StandardCharsets.UTF_8);
        assertTrue(placeholder.lines().allMatch(l -> l.isEmpty() || l.startsWith("#")), "only comments: " + placeholder);
        assertTrue(s.toString().contains(s.nonce()) && !s.toString().contains("INGOT"), "never the content: it holds keys");
    }

    @Test
    void aScriptThatDoesNotFitGoesOverSshInstead() {
        Map<String, String> env = env("m1");
        env.put("INGOT_AUTHORIZED_KEYS", "ssh-rsa " + "A".repeat(RestoreScript.SIZE));
        assertTrue(RestoreScript.of(List.of("true"), env).isEmpty());
    }

    /** The script as the guest runs it, in a real shell: its marks and the serial console moved to files here. */
    private Path run(RestoreScript s, Path console, String lib) throws Exception {
        String text = new String(s.content(), StandardCharsets.UTF_8)
                .replace("/run/", dir.resolve("run") + "/")
                .replace("/var/lib/ingot/", dir.resolve(lib) + "/")
                .replace("/dev/ttyS0", console.toString());
        Files.createDirectories(dir.resolve("run"));
        Path file = Files.writeString(dir.resolve("script"), text);
        Process p = new ProcessBuilder("sh", "-c", "(. '" + file + "')").directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return console;
    }

    @Test
    void itRunsItsStepsOnceWithTheIdentityAndSaysSoOnTheConsole() throws Exception {
        Path out = dir.resolve("out");
        RestoreScript s = RestoreScript.of(List.of(
                "printf '%s\\n' \"$INGOT_AUTHORIZED_KEYS\" >> " + out,
                "echo \"$INGOT_HOSTNAME\" >> " + out), env("m1")).orElseThrow();
        Path console = dir.resolve("console");
        Files.createDirectories(dir.resolve("lib"));
        run(s, console, "lib");
        assertEquals(List.of("ssh-ed25519 AAAA owner", "ssh-ed25519 BBBB it's ingot", "m1"), Files.readAllLines(out));
        Files.copy(console, dir.resolve("serial.log"));
        assertTrue(s.ranIn(dir.resolve("serial.log")));
        // a reboot empties /run; the mark on the disk stays
        try (var marks = Files.list(dir.resolve("run"))) {
            for (Path m : marks.toList()) Files.delete(m);
        }
        Files.delete(console);
        run(s, console, "lib");
        assertEquals(3, Files.readAllLines(out).size(), "a NIC plugged in later, even after a reboot, does not run it again");
        assertFalse(Files.exists(console), "nor says it ran again");
    }

    @Test
    void aGuestWithoutIngotsDirectoryMarksTheRunInRun() throws Exception {
        Path out = dir.resolve("out");
        RestoreScript s = RestoreScript.of(List.of("echo once >> " + out), env("m1")).orElseThrow();
        Path console = run(s, dir.resolve("console"), "no-such-dir");
        assertTrue(s.ranIn(console));
        run(s, dir.resolve("console2"), "no-such-dir");
        assertEquals(List.of("once"), Files.readAllLines(out));
    }

    @Test
    void aFailedStepEndsTheScriptWithoutTheLineIngotWaitsFor() throws Exception {
        Path out = dir.resolve("out");
        RestoreScript s = RestoreScript.of(List.of("false", "echo ran-on >> " + out), env("m1")).orElseThrow();
        Path console = run(s, dir.resolve("console"), "lib");
        assertFalse(Files.exists(out), "set -e: the step after the failed one did not run");
        assertFalse(s.ranIn(console), "then ingot runs onRestore over SSH, which reports the failure");
    }

    @Test
    void onlyThisClonesLineCounts() throws IOException {
        RestoreScript s = RestoreScript.of(List.of("true"), env("m1")).orElseThrow();
        RestoreScript other = RestoreScript.of(List.of("true"), env("m1")).orElseThrow();
        Path log = Files.writeString(dir.resolve("serial.log"), "boot noise\ningot-onrestore: ok " + other.nonce() + "\n");
        assertFalse(s.ranIn(log));
        assertTrue(other.ranIn(log));
        assertFalse(s.ranIn(dir.resolve("missing.log")));
    }

    @Test
    void theFileQemuReadsIsTheOwnersAlone() throws IOException {
        RestoreScript s = RestoreScript.of(List.of("true"), env("m1")).orElseThrow();
        Path f = s.write(dir.resolve("onrestore"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(RestoreScript.SIZE, Files.size(f));
    }
}
