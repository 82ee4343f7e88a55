package io.ingot.distribution;

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
 * checksum is computed, it is small).
 */
public final class VersionFiles {
    private VersionFiles() { }

    /** One file: its name inside the version directory, size in bytes, sha256 hex. */
    public record Entry(String file, long size, String sha256) { }

    public static List<Entry> of(Path versionDir, Manifest m) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (m.disk() != null) out.add(new Entry(m.disk().file(), m.disk().actualSize(), m.disk().sha256()));
        if (m.ram() != null) {
            for (Manifest.RamFile f : new Manifest.RamFile[] {m.ram().memoryFile(), m.ram().stateFile(), m.ram().captureOverlay()}) {
                if (f != null) out.add(new Entry(f.file(), f.size() == null ? -1 : f.size(), f.sha256()));
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
}
