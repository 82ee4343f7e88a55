package io.ingot.catalog;

import java.time.Instant;

/** A clone row: its parent version, storage, kind and VM config (the content of vm.json). */
public record CloneRecord(String name, String template, int version, String storage, CloneKind kind, Instant created, String vmConfigJson) {
    public String parentRef() { return template + ":" + version; }
}
