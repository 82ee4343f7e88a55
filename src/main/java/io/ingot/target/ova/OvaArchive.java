package io.ingot.target.ova;

import io.ingot.util.Sha256;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An OVA: one ustar archive holding the OVF descriptor first, its manifest (SHA256 of each other file) next, then
 * the files in the order of the descriptor's References (DSP0243 asks this order, so that a reader finds the
 * descriptor without scanning the whole archive, and can check each file as it streams past).
 */
final class OvaArchive {
    private OvaArchive() { }

    /** The manifest: a line {@code SHA256(NAME)= HEX} for each file, the descriptor first. */
    static String manifest(Map<String, String> sha256ByName) {
        StringBuilder b = new StringBuilder();
        sha256ByName.forEach((name, sha) -> b.append("SHA256(").append(name).append(")= ").append(sha).append('\n'));
        return b.toString();
    }

    /**
     * Writes {@code out}: {@code NAME.ovf} ({@code descriptor}), {@code NAME.mf}, then {@code files} in their order
     * (named by their file names).
     */
    static void write(Path out, String name, String descriptor, Iterable<Path> files) throws IOException {
        byte[] ovf = descriptor.getBytes(StandardCharsets.UTF_8);
        Map<String, String> sums = new LinkedHashMap<>();
        sums.put(name + ".ovf", Sha256.of(ovf));
        for (Path f : files) sums.put(f.getFileName().toString(), Sha256.of(f));
        byte[] mf = manifest(sums).getBytes(StandardCharsets.UTF_8);
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(os, StandardCharsets.UTF_8.name())) {
            // names are short (checked by the target type); a disk past ustar's 8 GiB gets a base-256 size, as GNU tar writes
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_ERROR);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
            Instant now = Instant.now();
            entry(tar, name + ".ovf", ovf, now);
            entry(tar, name + ".mf", mf, now);
            for (Path f : files) {
                TarArchiveEntry e = new TarArchiveEntry(f.getFileName().toString());
                e.setSize(Files.size(f));
                e.setMode(0644);
                e.setModTime(now.toEpochMilli());
                tar.putArchiveEntry(e);
                Files.copy(f, tar);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] data, Instant now) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0644);
        e.setModTime(now.toEpochMilli());
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
