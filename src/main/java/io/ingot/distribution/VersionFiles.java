package io.ingot.distribution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of a template version that travel between daemons: the base image, the RAM template
 * files (if any), the SBOM (if any), the signed provenance (if any) and manifest.json, each with its size and sha256 (from the manifest; the manifest's own
 * checksum is computed, it is small). Asked for, a sparse file also lists its data extents: a pull fetches only those
 * and leaves the rest a hole (a RAM template's memory file is mostly holes).
 */
public final class VersionFiles {
    /** Holes shorter than this are fetched with the data around them: fewer requests for a few more zeros. */
    static final long MERGE_HOLES_UNDER = 1 << 20;
    /** Smaller files are sent whole: a hole there saves less than the map costs. */
    static final long MAP_FROM = 8 << 20;

    private VersionFiles() { }

    /**
     * One file: its name inside the version directory, size in bytes, sha256 hex (over all {@code size} bytes, holes
     * read as zeros); {@code data}: the runs holding data, the rest being zeros (null: not listed, fetch it whole).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String file, long size, String sha256, List<QemuImg.Extent> data) {
        public Entry(String file, long size, String sha256) { this(file, size, sha256, null); }

        /** What to fetch: the data extents, or the whole file. */
        public List<QemuImg.Extent> fetch() {
            return data != null ? data : size == 0 ? List.of() : List.of(new QemuImg.Extent(0, size));
        }
    }

    public static List<Entry> of(Path versionDir, Manifest m) throws IOException {
        return of(versionDir, m, null);
    }

    /** {@code qemuImg}: also map each large file's data extents with it (null: list none). */
    public static List<Entry> of(Path versionDir, Manifest m, QemuImg qemuImg) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (m.disk() != null) out.add(entry(versionDir, m.disk().file(), m.disk().actualSize(), m.disk().sha256(), qemuImg));
        if (m.ram() != null) {
            for (Manifest.RamFile f : new Manifest.RamFile[] {m.ram().memoryFile(), m.ram().stateFile(), m.ram().captureOverlay()}) {
                if (f != null) out.add(entry(versionDir, f.file(), f.size() == null ? -1 : f.size(), f.sha256(), qemuImg));
            }
        }
        if (m.sbom() != null) out.add(new Entry(m.sbom().file(), m.sbom().size() == null ? -1 : m.sbom().size(), m.sbom().sha256()));
        // the signed provenance, when the version has one (it signs the manifest: the manifest cannot name its digest)
        Path envelope = versionDir.resolve(VersionTrust.ENVELOPE);
        if (Files.isRegularFile(envelope)) out.add(new Entry(VersionTrust.ENVELOPE, Files.size(envelope), Sha256.of(envelope)));
        Path manifest = versionDir.resolve(Manifest.FILE_NAME);
        out.add(new Entry(Manifest.FILE_NAME, Files.size(manifest), Sha256.of(manifest)));
        return out;
    }

    private static Entry entry(Path dir, String file, long size, String sha256, QemuImg qemuImg) throws IOException {
        if (qemuImg == null || size < MAP_FROM) return new Entry(file, size, sha256);
        Path p = dir.resolve(file);
        if (!Files.isRegularFile(p) || Files.size(p) != size) return new Entry(file, size, sha256); // not as listed: sent whole, the pull's sha256 decides
        return new Entry(file, size, sha256, merged(qemuImg.dataExtents(p), size));
    }

    /** Extents with the holes under {@link #MERGE_HOLES_UNDER} between them filled in, clipped to {@code size}. */
    static List<QemuImg.Extent> merged(List<QemuImg.Extent> extents, long size) {
        List<QemuImg.Extent> out = new ArrayList<>();
        for (QemuImg.Extent e : extents) {
            long start = e.start();
            long end = Math.min(e.end(), size);
            if (end <= start) continue;
            QemuImg.Extent last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && start - last.end() < MERGE_HOLES_UNDER) {
                out.set(out.size() - 1, new QemuImg.Extent(last.start(), Math.max(end, last.end()) - last.start()));
            } else {
                out.add(new QemuImg.Extent(start, end - start));
            }
        }
        return out;
    }
}
