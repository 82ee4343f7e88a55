package io.ingot.pipeline;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The stages a build can run, by name. Unordered: {@code routes/build.camel.yaml} alone says which run, in
 * which order and under which conditions.
 */
public final class Stages {
    private final Map<String, Stage> byName = new TreeMap<>();

    public Stages(Collection<? extends Stage> stages) {
        for (Stage s : stages) {
            if (byName.put(s.name(), s) != null) throw new IllegalArgumentException("two stages are named " + s.name());
        }
    }

    public Optional<Stage> get(String name) { return Optional.ofNullable(byName.get(name)); }

    public Set<String> names() { return byName.keySet(); }
}
