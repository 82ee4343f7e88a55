package io.ingot.qemu;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuInstallationTest {
    @Test
    void parsesVersionLines() {
        assertEquals(new QemuVersion(7, 2, 22), QemuVersion.parse("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright"));
        assertEquals(new QemuVersion(10, 0, 0), QemuVersion.parse("qemu-img version 10.0.0 (Debian 1:10.0.2+ds-1~bpo12+1)"));
        assertEquals(new QemuVersion(9, 1, 0), QemuVersion.parse("QEMU emulator version 9.1"));
        assertThrows(IllegalArgumentException.class, () -> QemuVersion.parse("bash: qemu: not found"));
    }

    @Test
    void envOverrideWinsAndMustBeExecutable(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("my-qemu");
        Files.writeString(fake, "#!/bin/sh\n");
        assertThrows(UserError.class, () -> QemuInstallation.findSystem(Map.of("INGOT_QEMU", fake.toString(), "PATH", "/nonexistent")));
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(fake, QemuInstallation.findSystem(Map.of("INGOT_QEMU", fake.toString(), "PATH", "/nonexistent")).orElseThrow());
        assertFalse(QemuInstallation.findSystem(Map.of("PATH", dir.toString())).isPresent());
        UserError e = assertThrows(UserError.class, () -> QemuInstallation.detect(Map.of("PATH", dir.toString())));
        assertTrue(e.getMessage().contains("qemu-system-x86"), e.getMessage());
    }
}
