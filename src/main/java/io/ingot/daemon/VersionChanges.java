package io.ingot.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.VersionSboms;
import io.ingot.sbom.VersionDiff;
import io.ingot.template.TemplateRef;
import io.ingot.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What each version the daemon's builds publish changed from the version it replaces (the template's newest version
 * before it that is not revoked): recorded once, as {@code diff.json} beside the build's log, and shown by the API and
 * the page beside the version ({@code +3 -1 ~12 packages}).
 */
public final class VersionChanges {
    private static final Logger LOG = LoggerFactory.getLogger(VersionChanges.class);
    static final String FILE_NAME = "diff.json";

    private final ImageStore store;

    public VersionChanges(ImageStore store) {
        this.store = store;
    }

    /** Records the diff of {@code ref}, built by {@code buildId}; a diff that cannot be made is logged, never fails the build. */
    public void record(String ref, String buildId) {
        try {
            TemplateRef r = TemplateRef.parse(ref);
            TemplateVersion v = store.catalog().version(r.name(), r.version()).orElse(null);
            if (v == null) return;
            Optional<TemplateVersion> before = store.catalog().versions(r.name()).stream()
                    .filter(o -> o.version() < v.version() && !o.revoked()).max(Comparator.comparingInt(TemplateVersion::version));
            if (before.isEmpty()) return;
            VersionDiff d = new VersionSboms(store.catalog(), store.storages()).diff(before.get(), v);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("against", before.get().ref());
            out.put("summary", d.summary());
            out.put("diff", d);
            Path file = file(r.name(), buildId);
            Files.createDirectories(file.getParent());
            Json.PRETTY.writeValue(file.toFile(), out);
            LOG.info("{} against {}: {}", v.ref(), before.get().ref(), d.summary());
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot record what {} changed: {}", ref, e.getMessage());
        }
    }

    /** The recorded diff of {@code v}: {@code {against, summary, diff}}; empty when none was recorded. */
    public Optional<JsonNode> of(TemplateVersion v) {
        if (v.buildId() == null) return Optional.empty();
        Path file = file(v.name(), v.buildId());
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readTree(file.toFile()));
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    private Path file(String template, String buildId) {
        return store.paths().builds().resolve(TemplateRef.checkName(template, "template name"))
                .resolve(TemplateRef.checkName(buildId, "build id")).resolve(FILE_NAME);
    }
}
