package io.ingot.target;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * How a target that carries a template version's files elsewhere (an OCI image) signs them: the version's own
 * signature here is checked first, then this site's key signs a statement over the files as carried, the version's
 * provenance predicate kept.
 */
@FunctionalInterface
public interface VersionSigner {
    /** Nothing to sign: a clone, or a version without provenance. */
    VersionSigner NONE = () -> Optional.empty();

    /**
     * Checks the version's files against its signature (a refusal when they no longer match); empty when the version
     * is not signed here.
     */
    Optional<Sign> verify() throws IOException;

    /** Signs a statement over {@code subjects} (file name as carried -> sha256): the DSSE envelope's JSON. */
    @FunctionalInterface
    interface Sign {
        byte[] envelope(Map<String, String> subjects) throws IOException;
    }
}
