package io.ingot.storage;

import io.ingot.qemu.QemuImg;
import io.ingot.util.Command;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A same-format full clone on XFS with reflink shares its extents with the base image. Needs root and xfsprogs. */
class ReflinkIT {
    @TempDir Path tmp;
    Path mount;

    @Test
    void fullCloneOnXfsIsAReflink() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "skipped: loop mounts need root");
        Assumptions.assumeTrue(Command.exec(List.of("sh", "-c", "command -v mkfs.xfs")).ok(),
                "skipped: mkfs.xfs missing (apt-get install xfsprogs)");
        Path img = tmp.resolve("xfs.img");
        Command.run(List.of("truncate", "-s", "300M", img.toString()));
        Command.run(List.of("mkfs.xfs", "-q", "-m", "reflink=1", img.toString()));
        Path m = Files.createDirectory(tmp.resolve("mnt"));
        Command.Result mounted = Command.exec(List.of("mount", "-o", "loop", img.toString(), m.toString()));
        Assumptions.assumeTrue(mounted.ok(), "skipped: loop mount failed: " + mounted.stderr().trim());
        mount = m;

        QemuImg qemuImg = new QemuImg();
        DirStorage storage = new DirStorage("xfs", m, qemuImg);
        Path src = tmp.resolve("src.qcow2");
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", src.toString(), "64M"));
        Command.run(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 0 8M", src.toString()));
        TemplateFiles base = storage.publishVersion("t", 1, staged -> {
            staged.importBaseImage(src, "qcow2");
            Files.writeString(staged.manifest(), "{\"name\":\"t\",\"version\":1}");
        });

        CloneFiles clone = storage.createFullClone(base.baseImage(), "c1", "qcow2");
        assertTrue(clone.reflinked(), "same format on XFS reflink=1 should be a reflink");
        String frag = Command.run(List.of("filefrag", "-v", clone.disk().toString()));
        assertTrue(frag.contains("shared"), frag);
        assertEquals(0, Command.exec(List.of("qemu-img", "compare", base.baseImage().toString(), clone.disk().toString())).exitCode());

        // another format cannot be a reflink: converted, extents not shared
        CloneFiles raw = storage.createFullClone(base.baseImage(), "c2", "raw");
        assertFalse(raw.reflinked());
        assertFalse(Command.run(List.of("filefrag", "-v", raw.disk().toString())).contains("shared"));
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) Command.run(List.of("umount", mount.toString()));
    }
}
