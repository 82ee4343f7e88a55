package io.ingot.storage;

import io.ingot.util.UserError;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a storage can do, per feature, image state and format, as Proxmox's {@code volume_has_feature} tables say
 * it (feature -> state -> formats): the format is that of the volume the operation starts from. Also the formats
 * the storage keeps volumes in, its default first.
 */
public final class FeatureTable {
    /** The state of the volume an operation starts from. */
    public enum State {
        /** A template version's base image (or its RAM template's capture disk). */
        BASE,
        /** A disk being worked on: a build's sealed disk, a clone's disk. */
        CURRENT
    }

    private final List<String> formats;
    private final Map<Feature, Map<State, Set<String>>> table;

    private FeatureTable(List<String> formats, Map<Feature, Map<State, Set<String>>> table) {
        this.formats = List.copyOf(formats);
        this.table = table;
    }

    /** A table for a storage keeping volumes in {@code formats} (the first is its default). */
    public static Builder of(String... formats) {
        return new Builder(List.of(formats));
    }

    /** The formats volumes are kept in here; the first one is the default (full clones without --format). */
    public List<String> formats() { return formats; }

    public String defaultFormat() { return formats.get(0); }

    /** Whether the storage has the feature at all. */
    public boolean has(Feature feature) { return table.containsKey(feature); }

    public boolean has(Feature feature, State state, String format) {
        return table.getOrDefault(feature, Map.of()).getOrDefault(state, Set.of()).contains(format);
    }

    public Set<Feature> features() {
        return table.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(table.keySet()));
    }

    /** The formats {@code feature} starts from in {@code state} (empty: none). */
    public Set<String> formats(Feature feature, State state) {
        return table.getOrDefault(feature, Map.of()).getOrDefault(state, Set.of());
    }

    /** A copy without {@code feature} (storage.yaml options turn features off). */
    public FeatureTable without(Feature feature) {
        Map<Feature, Map<State, Set<String>>> t = new EnumMap<>(Feature.class);
        t.putAll(table);
        t.remove(feature);
        return new FeatureTable(formats, t);
    }

    /** Refuses a volume format the storage does not keep: "storage 'ceph' (rbd) holds raw images only". */
    public void requireFormat(String storage, String type, String format) {
        if (!formats.contains(format)) {
            throw new UserError("storage '" + storage + "' (" + type + ") holds " + String.join(", ", formats)
                    + " images only; use --format " + defaultFormat());
        }
    }

    public static final class Builder {
        private final List<String> formats;
        private final Map<Feature, Map<State, Set<String>>> table = new EnumMap<>(Feature.class);

        private Builder(List<String> formats) { this.formats = formats; }

        /** {@code feature} starts from volumes in {@code state} in these formats. */
        public Builder allow(Feature feature, State state, String... formats) {
            table.computeIfAbsent(feature, f -> new EnumMap<>(State.class))
                    .computeIfAbsent(state, s -> new LinkedHashSet<>()).addAll(List.of(formats));
            return this;
        }

        public FeatureTable build() {
            Map<Feature, Map<State, Set<String>>> t = new EnumMap<>(Feature.class);
            table.forEach((f, states) -> {
                Map<State, Set<String>> m = new EnumMap<>(State.class);
                states.forEach((s, fmts) -> m.put(s, Collections.unmodifiableSet(new LinkedHashSet<>(fmts))));
                t.put(f, Collections.unmodifiableMap(m));
            });
            return new FeatureTable(formats, t);
        }
    }
}
