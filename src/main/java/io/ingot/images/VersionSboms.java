package io.ingot.images;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.TemplateVersion;
import io.ingot.sbom.CycloneDx;
import io.ingot.sbom.Sbom;
import io.ingot.sbom.VersionDiff;
import io.ingot.storage.Storages;
import io.ingot.storage.TemplateFiles;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The SBOMs of template versions, as their storages keep them, and the diff of two versions built on them. */
public final class VersionSboms {
    private final Catalog catalog;
    private final Storages storages;

    public VersionSboms(Catalog catalog, Storages storages) {
        this.catalog = catalog;
        this.storages = storages;
    }

    /** A version of the catalog: NAME:VERSION, NAME@CHANNEL or NAME (its latest). */
    public TemplateVersion version(String ref) {
        TemplateRef r = TemplateRef.parse(ref);
        if (r.version() != null) {
            return catalog.version(r.name(), r.version()).orElseThrow(() -> new NotFound("no template version " + r));
        }
        return catalog.resolve(r);
    }

    /** The SBOM file of {@code v}; empty for a version without one (built before SBOMs, or pulled from S3). */
    public Optional<Path> file(TemplateVersion v) {
        Manifest.SbomFile s = v.manifest().sbom();
        if (s == null) return Optional.empty();
        TemplateFiles tf = storages.get(v.primaryStorage()).locate(v.name(), v.version())
                .orElseThrow(() -> new NotFound(v.ref() + " has no files on storage " + v.primaryStorage()));
        Path f = tf.dir().resolve(TemplateRef.checkVersionFile(s.file()));
        return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
    }

    public Optional<Sbom> of(TemplateVersion v) throws IOException {
        Optional<Path> f = file(v);
        return f.isEmpty() ? Optional.empty() : Optional.of(CycloneDx.read(f.get()));
    }

    /** The SBOM of {@code v}, or a UserError saying it has none. */
    public Sbom require(TemplateVersion v) throws IOException {
        return of(v).orElseThrow(() -> new UserError(v.ref() + " has no SBOM (built before ingot wrote them, or pulled without one)"));
    }

    /** What changed from {@code from} to {@code to}; {@code from} null: from {@code to}'s parent. */
    public VersionDiff diff(String from, String to) throws IOException {
        TemplateVersion b = version(to);
        TemplateVersion a;
        if (from != null) {
            a = version(from);
        } else {
            if (b.manifest().parent() == null) throw new UserError(b.ref() + " has no parent (it was installed from media): name the version to compare with");
            a = version(b.manifest().parent());
        }
        return diff(a, b);
    }

    public VersionDiff diff(TemplateVersion a, TemplateVersion b) throws IOException {
        return VersionDiff.of(a.manifest(), of(a).orElse(null), b.manifest(), of(b).orElse(null));
    }
}
