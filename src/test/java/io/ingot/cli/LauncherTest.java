package io.ingot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./ingot} launcher installs missing tools without their recommends (QEMU's pull in GTK and
 * GStreamer). It runs against stand-in apt-get, mvn and java on a PATH without the QEMU tools: the
 * stand-in apt-get records its arguments and installs nothing.
 */
class LauncherTest {

    @Test
    void missingToolsAreInstalledWithoutRecommends(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : List.of("dirname", "readlink", "id", "find", "uname", "mktemp", "ls", "head", "mkdir", "touch", "mv", "rm", "grep")) {
            Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + tool + " on this machine"));
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        Path aptArgs = tmp.resolve("apt-get.args");
        stub(bin.resolve("apt-get"), "echo \"$*\" >> '" + aptArgs + "'");
        stub(bin.resolve("mvn"), "exit 0");
        stub(bin.resolve("java"), "exit 0");
        stub(bin.resolve("jar"), "exit 0");

        Path home = Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath();
        ProcessBuilder launcher = new ProcessBuilder("/bin/bash", home.resolve("ingot").toString(), "doctor")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).directory(tmp.toFile());
        launcher.environment().put("PATH", bin.toString());
        Process p = launcher.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher finished");
        String out = Files.readString(tmp.resolve("out"));
        String missing = "qemu-system-x86 qemu-utils xorriso cpio dpkg";
        if (Files.exists(aptArgs)) { // run as root: it installed
            assertEquals("install -y -q --no-install-recommends " + missing + "\n", Files.readString(aptArgs), out);
            assertEquals(0, p.exitValue(), out);
        } else { // not root: it prints the command to run
            assertTrue(out.contains("apt-get install -y --no-install-recommends " + missing), out);
            assertEquals(2, p.exitValue(), out);
        }
    }

    private static void stub(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
