package io.ingot.target;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.Storages;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The copies of a version that push targets keep, as removing or revoking the version must know them. */
public final class PushedCopies {
    private final Catalog catalog;
    private final Storages storages;
    private final Targets targets;
    private final Deliveries deliveries;

    public PushedCopies(Catalog catalog, Storages storages, Targets targets) {
        this.catalog = catalog;
        this.storages = storages;
        this.targets = targets;
        this.deliveries = new Deliveries(catalog);
    }

    /**
     * Before a version is removed: asks each target holding a linked copy of it whether that copy still reads its
     * base; copies gone from there are forgotten (said through {@code notes}). Those still there, or on a target that
     * cannot be asked, stay recorded, and the removal is refused naming them.
     */
    public void forgetGone(String template, int version, Consumer<String> notes) {
        Optional<TemplateVersion> v = catalog.version(template, version);
        if (v.isEmpty()) return;
        StorageBackend b = storages.get(v.get().primaryStorage());
        Optional<Path> base = b.locate(template, version).filter(f -> f.baseImage().isFile()).map(f -> f.baseImage().path());
        if (base.isEmpty()) return; // no base file here: nothing a target could read
        for (DeliveryRecord d : deliveries.of(template, version)) {
            if (!d.linked()) continue;
            Target.Presence p = targets.open(d.location()).presence(d, base.get());
            switch (p.state()) {
                case GONE -> {
                    deliveries.forget(d.target(), d.location(), d.reference());
                    notes.accept("forgot " + d.target() + " " + d.reference() + " at " + d.location() + ": " + p.detail());
                }
                case UNKNOWN -> notes.accept("kept the record of " + d.target() + " " + d.reference() + ": " + p.detail());
                case USES -> { }
            }
        }
    }

    /** What revoking or removing the version leaves behind on the targets, a line each. */
    public List<String> of(String template, int version) {
        return deliveries.of(template, version).stream().map(DeliveryRecord::describe).toList();
    }
}
