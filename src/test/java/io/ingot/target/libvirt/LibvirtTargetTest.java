package io.ingot.target.libvirt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LibvirtTargetTest {
    @TempDir Path dir;

    @Test
    void aBaseInADirectoryOthersCannotSearchIsNamed() throws Exception {
        Path version = Files.createDirectories(dir.resolve("templates/t/1"));
        Path base = Files.createFile(version.resolve("base.qcow2"));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("r--r--r--"));
        for (Path d = version; !d.equals(dir.getParent()); d = d.getParent()) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // @TempDir's parent (/tmp) is searchable: a base there in 0755 directories is readable by libvirt-qemu
        assertEquals(Optional.empty(), LibvirtTarget.unreadableByOthers(base));
        Files.setPosixFilePermissions(dir.resolve("templates"), PosixFilePermissions.fromString("rwx------"));
        assertEquals(Optional.of(dir.resolve("templates") + " is not searchable by others (chmod o+x " + dir.resolve("templates") + ")"),
                LibvirtTarget.unreadableByOthers(base));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("r--------"));
        assertEquals(Optional.of("it is not readable by others"), LibvirtTarget.unreadableByOthers(base));
    }
}
