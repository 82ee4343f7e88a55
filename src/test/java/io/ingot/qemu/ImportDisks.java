package io.ingot.qemu;

import io.ingot.util.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Disk images for the import check's tests, made by the real qemu-img: good ones, and ones that name host files
 * (backing file, data file) the way the security finding did.
 */
public final class ImportDisks {
    private ImportDisks() { }

    /** A host file with recognisable bytes, standing in for /etc/shadow. */
    public static Path hostFile(Path dir) throws IOException {
        Path f = dir.resolve("host-secret.raw");
        Files.write(f, "host secret, never to be read by a clone\n".repeat(25_000).getBytes());
        return f;
    }

    /** A qcow2 whose backing file is {@code backing} (written as given, never opened) in {@code backingFormat}. */
    public static Path backedBy(Path image, String backing, String backingFormat) throws IOException {
        Command.run(List.of("qemu-img", "create", "-q", "-u", "-f", "qcow2", "-b", backing, "-F", backingFormat, image.toString(), "1M"));
        return image;
    }

    /**
     * The same with no backing format recorded (qemu-img no longer writes such images): the backing format header
     * extension's type is overwritten with one QEMU does not know, so it is skipped as an unknown extension.
     */
    public static Path backedWithoutFormat(Path image, String backing) throws IOException {
        backedBy(image, backing, "qcow2");
        byte[] b = Files.readAllBytes(image);
        byte[] ext = {(byte) 0xe2, 0x79, 0x2a, (byte) 0xca};
        for (int i = 104; i < 4096; i++) { // header extensions start after the 104-byte v3 header
            if (Arrays.equals(b, i, i + 4, ext, 0, 4)) {
                b[i] = 0x12;
                Files.write(image, b);
                return image;
            }
        }
        throw new IllegalStateException("no backing format extension in " + image);
    }

    /** The finding's image: {@code qemu-img create -f qcow2 -b HOSTFILE -F raw base.qcow2 1M}. */
    public static Path hostBacked(Path image, Path hostFile) throws IOException {
        return backedBy(image, hostFile.toAbsolutePath().toString(), "raw");
    }

    /** A plain qcow2 of {@code size} (qemu-img's notation), data written at its start. */
    public static Path qcow2(Path image, String size) throws IOException {
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), size));
        Command.run(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 64k", image.toString()));
        return image;
    }
}
