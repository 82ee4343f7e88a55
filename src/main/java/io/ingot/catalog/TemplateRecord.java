package io.ingot.catalog;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A template's channels and revoked versions as recorded on a storage ({@code template.json}). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TemplateRecord(Map<String, Integer> channels, List<Integer> revoked, Instant updated) {
    public TemplateRecord {
        channels = channels == null ? Map.of() : Map.copyOf(channels);
        revoked = revoked == null ? List.of() : List.copyOf(revoked);
    }
}
