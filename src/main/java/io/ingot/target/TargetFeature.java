package io.ingot.target;

/** What a target can take, as a storage's {@code Feature}s say what it can do. */
public enum TargetFeature {
    LINKED("take linked clones (an overlay on the template's read-only base image)"),
    FULL("take full copies"),
    RAM("take RAM templates or memory clones"),
    UEFI("take UEFI templates");

    private final String action;

    TargetFeature(String action) { this.action = action; }

    /** The phrase after "cannot" in a refusal. */
    public String action() { return action; }

    /** The column of README's table of targets. */
    public String column() { return name().toLowerCase(); }
}
