package io.ingot.catalog;

/** linked: overlay on the base image; full: independent copy; memory: resumes from a RAM template. */
public enum CloneKind {
    LINKED, FULL, MEMORY;

    public String label() { return name().toLowerCase(); }

    /** Kinds that read the template's files and so keep the version from being deleted. */
    public boolean dependsOnTemplate() { return this != FULL; }
}
