package io.ingot.catalog;

import java.time.Instant;

/**
 * A copy of a template version (or of a clone of it) that a target keeps: {@code target} is the target's kind
 * ({@code libvirt}), {@code location} the target URI it can be reached at again without the name
 * ({@code qemu:///system?pool=default}), {@code reference} what the target calls it (a domain name).
 * {@code linked}: the copy reads the version's base image (it keeps the version from being removed);
 * {@code sha256}: of the disk data handed over (for a linked copy, the base image it reads).
 */
public record DeliveryRecord(String target, String location, String reference, String template, int version, String cloneName,
                             boolean linked, String sha256, Instant created) {
    public String versionRef() { return template + ":" + version; }

    /** "libvirt domain web1 at qemu:///system?pool=default" style: what a user looks for there. */
    public String describe() {
        return target + " " + reference + " at " + location + (linked ? " (linked: reads its base image)" : " (full copy)");
    }
}
