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
        Path bin = standIns(tmp, "openjdk version \"17.0.15\" 2025-04-15");
        Path aptArgs = tmp.resolve("apt-get.args");
        Process p = launch(tmp, bin);
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

    /**
     * A Java older than 17 (or none) is replaced by the JDK the host's release has: Debian 13 has no
     * openjdk-17, its default-jdk-headless is 21.
     */
    @Test
    void aJavaOlderThan17IsReplacedByTheReleasesDefaultJdk(@TempDir Path tmp) throws Exception {
        Path bin = standIns(tmp, "openjdk version \"11.0.2\" 2019-01-15");
        stub(bin.resolve("apt-cache"), "case \"$1\" in policy) printf 'default-jdk-headless:\\n  Installed: (none)\\n  Candidate: 2:1.21-76\\n' ;; esac");
        Path aptArgs = tmp.resolve("apt-get.args");
        Process p = launch(tmp, bin);
        String out = Files.readString(tmp.resolve("out"));
        String missing = "default-jdk-headless qemu-system-x86 qemu-utils xorriso cpio dpkg";
        if (Files.exists(aptArgs)) {
            assertEquals("install -y -q --no-install-recommends " + missing + "\n", Files.readString(aptArgs), out);
        } else {
            assertTrue(out.contains("apt-get install -y --no-install-recommends " + missing), out);
        }
    }

    private static Process launch(Path tmp, Path bin) throws Exception {
        Path home = Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath();
        ProcessBuilder launcher = new ProcessBuilder("/bin/bash", home.resolve("ingot").toString(), "doctor")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).directory(tmp.toFile());
        launcher.environment().put("PATH", bin.toString());
        Process p = launcher.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher finished");
        return p;
    }

    /** Stand-in apt-get (records its arguments), mvn and jar, and a java that says {@code javaVersion}. */
    private static Path standIns(Path tmp, String javaVersion) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : List.of("dirname", "readlink", "id", "find", "uname", "mktemp", "ls", "head", "mkdir", "touch", "mv", "rm",
                "grep", "sed", "awk", "sort")) {
            Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + tool + " on this machine"));
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        stub(bin.resolve("apt-get"), "echo \"$*\" >> '" + tmp.resolve("apt-get.args") + "'");
        stub(bin.resolve("mvn"), "exit 0");
        stub(bin.resolve("java"), "[ \"$1\" = -version ] && echo '" + javaVersion + "' >&2; exit 0");
        stub(bin.resolve("jar"), "exit 0");
        return bin;
    }

    private static void stub(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
