package io.ingot.sbom;

/** An installed component an advisory affects. */
public record Finding(Component component, String id, Severity severity, String fixedVersion) {
    /** {@code openssh-server 1:9.2p1-2 CVE-2024-6387 critical (fixed in 1:9.2p1-2+deb12u3)}. */
    public String describe() {
        return component.name() + " " + component.version() + " " + id + " " + severity.label()
                + (fixedVersion == null ? " (no fixed version)" : " (fixed in " + fixedVersion + ")");
    }
}
