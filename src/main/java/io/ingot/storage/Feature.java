package io.ingot.storage;

/** What a storage backend can do, as Proxmox storage plugins declare it. */
public enum Feature {
    TEMPLATE("hold templates"),
    LINKED_CLONE("make linked clones"),
    FULL_CLONE("make full clones"),
    COPY("copy images"),
    REFLINK("make reflink copies"),
    RESIZE("grow disks");

    private final String action;

    Feature(String action) { this.action = action; }

    /** The phrase after "cannot" in a refusal. */
    public String action() { return action; }
}
