package io.ingot.catalog;

/** Told after a template's channels or revoked versions changed in the catalog (the storages keep a copy of them). */
@FunctionalInterface
public interface TemplateListener {
    void changed(Catalog catalog, String template);

    TemplateListener NONE = (c, t) -> { };
}
