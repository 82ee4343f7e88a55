package io.ingot.target;

import io.ingot.util.UserError;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** A target's feature row: what it takes. An operation it lacks is refused before anything is made there. */
public record TargetFeatures(Set<TargetFeature> features) {
    public TargetFeatures {
        features = features.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(features));
    }

    public static TargetFeatures of(TargetFeature... features) {
        return new TargetFeatures(features.length == 0 ? Set.of() : EnumSet.of(features[0], features));
    }

    public boolean has(TargetFeature f) { return features.contains(f); }

    /** "target libvirt cannot take RAM templates or memory clones (SOURCE): WHAT TO DO". */
    public void require(String target, TargetFeature f, String why) {
        if (!has(f)) throw new UserError("target " + target + " cannot " + f.action() + (why == null ? "" : ": " + why));
    }
}
