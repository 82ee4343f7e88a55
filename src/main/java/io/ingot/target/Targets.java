package io.ingot.target;

import io.ingot.util.UserError;

import java.util.List;

/** The target types by URI scheme: {@code ingot push} opens its TARGET here. */
public final class Targets {
    private final List<TargetType> types;

    public Targets(List<TargetType> types) { this.types = List.copyOf(types); }

    /** The types registered on the class path (META-INF/services/io.ingot.target.TargetType). */
    public static Targets registered() { return new Targets(TargetType.registered()); }

    public List<TargetType> types() { return types; }

    /** The target a URI names; an unknown scheme is refused, listing the known targets with an example each. */
    public Target open(String text) {
        TargetUri uri = TargetUri.parse(text);
        for (TargetType t : types) if (t.handles(uri.scheme())) return t.open(uri);
        throw new UserError("no target takes '" + uri.scheme() + ":' URIs (targets: "
                + String.join(", ", types.stream().map(t -> t.name() + " as " + t.example()).toList()) + ")");
    }
}
