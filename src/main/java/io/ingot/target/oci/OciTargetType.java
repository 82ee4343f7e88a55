package io.ingot.target.oci;

import io.ingot.target.Target;
import io.ingot.target.TargetFeature;
import io.ingot.target.TargetFeatures;
import io.ingot.target.TargetType;
import io.ingot.target.TargetUri;

import java.util.Set;

/**
 * The OCI registry target: {@code oci://REGISTRY/REPO[:TAG]} (HTTPS) or {@code oci+http://127.0.0.1:PORT/REPO[:TAG]}
 * (plain HTTP, loopback only). The disk goes whole (an image holds its own disk: no linked clones), the RAM template
 * as further layers; a UEFI template says so in an annotation.
 */
public final class OciTargetType implements TargetType {
    static final TargetFeatures FEATURES = TargetFeatures.of(TargetFeature.FULL, TargetFeature.RAM, TargetFeature.UEFI);

    @Override public String name() { return "oci"; }

    @Override public boolean handles(String scheme) { return scheme.equals("oci") || scheme.equals("oci+http"); }

    @Override public String example() { return "oci://REGISTRY/REPO:TAG"; }

    @Override public TargetFeatures features() { return FEATURES; }

    @Override
    public Target open(TargetUri uri) {
        uri.allowOnly(Set.of());
        return new OciTarget(this, OciReference.parse(uri.scheme().equals("oci+http"), uri.rest().replaceFirst("^//", ""), uri.text()));
    }
}
