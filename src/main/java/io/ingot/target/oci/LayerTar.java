package io.ingot.target.oci;

import io.ingot.util.UserError;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * An uncompressed layer holding one file in one folder, as a container runtime unpacks it ({@code disk/disk.qcow2}
 * owned by uid/gid 107, the qemu user KubeVirt's containerDisk runs as). Made as a stream of the ustar headers, the
 * file and the trailer, never a copy on disk: the same bytes come out every time (fixed mtime), so the digest taken in
 * one pass holds for the upload in the next.
 */
record LayerTar(byte[] head, Path file, long fileSize, byte[] tail) {
    static final int QEMU_UID = 107;
    private static final int BLOCK = 512;

    /** {@code dir/name} for {@code file}, read-only to its owner and group; {@code mtime} in seconds. */
    static LayerTar of(String dir, String name, Path file, long mtime) throws IOException {
        long size = Files.size(file);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.write(header(dir + "/", '5', 0755, 0, mtime));
        head.write(header(dir + "/" + name, '0', 0440, size, mtime));
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        return new LayerTar(head.toByteArray(), file, size, new byte[pad + 2 * BLOCK]);
    }

    long size() { return head.length + fileSize + tail.length; }

    InputStream open() throws IOException {
        return new SequenceInputStream(Collections.enumeration(List.of(new ByteArrayInputStream(head), Files.newInputStream(file),
                new ByteArrayInputStream(tail))));
    }

    /** A ustar header; a size past ustar's 11 octal digits (8 GiB) in the base-256 form GNU tar and Go read. */
    static byte[] header(String name, char type, int mode, long size, long mtime) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length > 100) throw new IllegalArgumentException("tar entry name over 100 bytes: " + name);
        byte[] h = new byte[BLOCK];
        System.arraycopy(n, 0, h, 0, n.length);
        octal(h, 100, 8, mode);
        octal(h, 108, 8, QEMU_UID);
        octal(h, 116, 8, QEMU_UID);
        if (size < 077777777777L) {
            octal(h, 124, 12, size);
        } else {
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) h[135 - i] = (byte) (size >>> (8 * i));
        }
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        octal(h, 148, 7, sum);
        return h;
    }

    /** {@code len - 1} octal digits, zero-padded, then NUL. */
    private static void octal(byte[] h, int at, int len, long v) {
        String s = Long.toOctalString(v);
        s = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, at, len - 1);
        h[at + len - 1] = 0;
    }

    /**
     * Writes the one regular file {@code entry} of the layer read from {@code in} to {@code to}; folders are passed
     * over, anything else (another file, a link) refuses the layer. {@code in} is not read past the tar's end: the
     * caller drains it to finish its digest.
     */
    static void extract(InputStream in, String entry, Path to, String what) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        boolean found = false;
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
            if (e.isDirectory()) continue;
            if (!e.isFile() || !name.equals(entry) || found) {
                throw new UserError(what + ": the layer holds '" + e.getName() + "', expected only " + entry);
            }
            Files.copy(tar, to);
            found = true;
        }
        if (!found) throw new UserError(what + ": the layer holds no " + entry);
    }
}
