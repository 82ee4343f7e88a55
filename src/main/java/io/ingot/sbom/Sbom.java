package io.ingot.sbom;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What is installed in a template version, listed in its guest before the seal: written as {@code sbom.cdx.json}
 * (CycloneDX 1.5, {@link CycloneDx}) beside the base image and named in the version's manifest with its sha256.
 *
 * @param serialNumber {@code urn:uuid:...}, the document's own identity
 * @param subject      the template the document describes, {@code NAME:VERSION} (NAME alone while it is being built)
 * @param created      when the guest was listed
 * @param components   packages and the kernel, sorted by name
 */
public record Sbom(String serialNumber, String subject, Instant created, List<Component> components) {
    public static final String FILE_NAME = "sbom.cdx.json";

    public Sbom {
        components = components.stream().sorted(Comparator.comparing(Component::key)).toList();
    }

    public Optional<Component> kernel() {
        return components.stream().filter(Component::isKernel).findFirst();
    }

    /** Everything but the kernel. */
    public List<Component> packages() {
        return components.stream().filter(c -> !c.isKernel()).toList();
    }

    public Optional<Component> find(String name) {
        return components.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
