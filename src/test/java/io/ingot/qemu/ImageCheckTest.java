package io.ingot.qemu;

import io.ingot.util.Command;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The import check against images the real qemu-img makes: each way a disk can name a host file, a format other
 * than the one claimed, a size over the limit, a corrupt image; each refused with its one line. Good images pass.
 */
class ImageCheckTest {
    private final ImageCheck check = new ImageCheck(new QemuImg(), ImageCheck.DEFAULT_MAX_VIRTUAL_SIZE);
    @TempDir Path dir;

    @Test
    void aBaseImageBackedByAnAbsoluteHostFileIsRefused() throws Exception {
        Path host = ImportDisks.hostFile(dir);
        Path image = ImportDisks.hostBacked(dir.resolve("base.qcow2"), host);
        assertRefused("base.qcow2: refused: a base image stands alone, but it names a backing file: " + host
                + " (an absolute path on this host)", image, ImageCheck.Policy.standalone("qcow2"));
    }

    @Test
    void aJsonBackingIsRefused() throws Exception {
        String json = "json:{\"driver\":\"file\",\"filename\":\"" + ImportDisks.hostFile(dir) + "\"}";
        Path image = ImportDisks.backedBy(dir.resolve("base.qcow2"), json, "raw");
        assertRefused("base.qcow2: refused: a base image stands alone, but it names a backing file: " + json
                + " (a json: block specification, not a file name)", image, ImageCheck.Policy.standalone("qcow2"));
    }

    @Test
    void aProtocolBackingIsRefusedWithoutConnecting() throws Exception {
        Path image = ImportDisks.backedBy(dir.resolve("base.qcow2"), "nbd:127.0.0.1:1", "raw");
        assertRefused("base.qcow2: refused: a base image stands alone, but it names a backing file: nbd:127.0.0.1:1"
                + " (protocol nbd:, not a file name)", image, ImageCheck.Policy.standalone("qcow2"));
    }

    @Test
    void aRelativeBackingOutOfTheVersionIsRefusedForABaseAndForAnOverlay() throws Exception {
        Path image = ImportDisks.backedBy(dir.resolve("overlay.qcow2"), "../../host.raw", "raw");
        assertRefused("overlay.qcow2: refused: a base image stands alone, but it names a backing file: ../../host.raw"
                + " (a relative path out of its folder)", image, ImageCheck.Policy.standalone("qcow2"));
        assertRefused("overlay.qcow2: refused: its backing file ../../host.raw (a relative path out of its folder) is not its"
                + " version's base image (../base.qcow2)", image, ImageCheck.Policy.overlay(List.of("../base.qcow2"), "qcow2"));
    }

    @Test
    void anOverlayOnItsVersionsBaseImageIsAcceptedWithItsRecordedFormatOnly() throws Exception {
        Path image = ImportDisks.backedBy(dir.resolve("overlay.qcow2"), "../base.qcow2", "qcow2");
        ImageCheck.Facts facts = check.check(image, "overlay.qcow2", ImageCheck.Policy.overlay(List.of("../base.qcow2"), "qcow2"));
        assertEquals(new ImageCheck.Facts("qcow2", 1 << 20, "../base.qcow2", "qcow2"), facts);
        assertRefused("overlay.qcow2: refused: its backing file ../base.qcow2 is recorded as qcow2, not raw", image,
                ImageCheck.Policy.overlay(List.of("../base.qcow2"), "raw"));
        Path unformatted = ImportDisks.backedWithoutFormat(dir.resolve("unformatted.qcow2"), "../base.qcow2");
        assertRefused("unformatted.qcow2: refused: its backing file ../base.qcow2 has no recorded format (QEMU would probe it)",
                unformatted, ImageCheck.Policy.overlay(List.of("../base.qcow2"), "qcow2"));
    }

    @Test
    void anExternalDataFileIsRefused() throws Exception {
        Path data = dir.resolve("x");
        Path image = dir.resolve("base.qcow2");
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=" + data + ",data_file_raw=on", image.toString(), "1M"));
        assertRefused("base.qcow2: refused: its data is in an external data file: " + data, image, ImageCheck.Policy.standalone("qcow2"));
    }

    @Test
    void anEncryptedImageIsRefused() throws Exception {
        Path image = dir.resolve("base.qcow2");
        List<String> create = List.of("qemu-img", "create", "-q", "-f", "qcow2", "--object", "secret,id=s0,data=x",
                "-o", "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10", image.toString(), "1M");
        // LUKS times its key derivation by the thread's CPU time; a first round too short to register a tick makes
        // qemu-img give up ("Unable to get accurate CPU usage"), which happens now and then: tried up to 5 times
        Command.Result r = Command.exec(create);
        for (int i = 1; i < 5 && !r.ok() && r.output().contains("Unable to get accurate CPU usage"); i++) r = Command.exec(create);
        assertTrue(r.ok(), r.output());
        assertRefused("base.qcow2: refused: it is encrypted", image, ImageCheck.Policy.standalone("qcow2"));
    }

    @Test
    void aFormatOtherThanTheClaimedOneIsRefused() throws Exception {
        Path raw = dir.resolve("disk.raw");
        Files.write(raw, new byte[1 << 20]);
        assertRefused("disk.raw: refused: not a qcow2 image (Image is not in qcow2 format)", raw, ImageCheck.Policy.standalone("qcow2"));
        Path qcow2 = ImportDisks.qcow2(dir.resolve("disk.qcow2"), "1M");
        assertRefused("disk.qcow2: refused: said to be raw, but it is a qcow2 image", qcow2, ImageCheck.Policy.standalone("raw"));
        // a VMDK that names its extents in a text descriptor points wherever it likes
        Path vmdk = dir.resolve("disk.vmdk");
        Files.writeString(vmdk, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\n"
                + "RW 2048 FLAT \"" + ImportDisks.hostFile(dir) + "\" 0\n");
        assertRefused("disk.vmdk: refused: a VMDK descriptor, which names other files as its extents", vmdk, ImageCheck.Policy.standalone("vmdk"));
    }

    @Test
    void aVirtualSizeOverTheLimitIsRefused() throws Exception {
        Path image = dir.resolve("big.qcow2");
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "3T"));
        assertRefused("big.qcow2: refused: its virtual size, 3T, is over the import limit of 2T (imports.maxVirtualSize in storage.yaml)",
                image, ImageCheck.Policy.standalone("qcow2"));
        assertEquals(3L << 40, new ImageCheck(new QemuImg(), 4L << 40).check(image, "big.qcow2", ImageCheck.Policy.standalone("qcow2")).virtualSize(),
                "a higher limit takes it");
    }

    @Test
    void aCorruptImageIsRefusedByQemuImgCheck() throws Exception {
        Path image = ImportDisks.qcow2(dir.resolve("base.qcow2"), "1M");
        // zero the refcount block: every cluster in use now has refcount 0
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, 48);
            long table = b.getLong(0);
            ch.read(b.clear(), table);
            ch.write(ByteBuffer.allocate(65536), b.getLong(0));
        }
        UserError e = assertThrows(UserError.class, () -> check.check(image, "base.qcow2", ImageCheck.Policy.standalone("qcow2")));
        assertTrue(e.getMessage().startsWith("base.qcow2: refused: qemu-img check found errors (exit 2: ")
                && e.getMessage().endsWith(" errors were found on the image.)"), e.getMessage());
    }

    @Test
    void goodImagesAreAccepted() throws Exception {
        Path qcow2 = ImportDisks.qcow2(dir.resolve("base.qcow2"), "64M");
        ImageCheck.Facts facts = check.check(qcow2, "base.qcow2", ImageCheck.Policy.standalone("qcow2"));
        assertEquals(new ImageCheck.Facts("qcow2", 64L << 20, null, null), facts);
        Path raw = dir.resolve("disk.raw");
        Command.run(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), raw.toString()));
        assertEquals(64L << 20, check.check(raw, "disk.raw", ImageCheck.Policy.standalone("raw")).virtualSize());
        Path vmdk = dir.resolve("disk.vmdk");
        Command.run(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "vmdk", qcow2.toString(), vmdk.toString()));
        assertNull(check.check(vmdk, "disk.vmdk", ImageCheck.Policy.standalone("vmdk")).backing());
    }

    @Test
    void aMissingFileIsRefused() {
        assertRefused("gone.qcow2: refused: not a regular file", dir.resolve("gone.qcow2"), ImageCheck.Policy.standalone("qcow2"));
    }

    private void assertRefused(String message, Path image, ImageCheck.Policy policy) {
        UserError e = assertThrows(UserError.class, () -> check.check(image, image.getFileName().toString(), policy));
        assertEquals(message, e.getMessage());
    }
}
