package io.ingot.catalog;

import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.template.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lineage read against a real catalog: a moved parent, descendants to revoke, a template's parent template. */
class LineageTest {

    @Test
    void aChildKnowsWhenItsParentsChannelMovedAndWhoDescendsFromWhom(@TempDir Path tmp) throws Exception {
        ImageStore store = ImageStore.open(Disks.paths(tmp));
        TemplateVersion base1 = store.publisher().publish(Disks.request("base", Disks.disk(tmp, "b1.qcow2", 1)));
        TemplateVersion app1 = publishChild(store, tmp, "app", "base@latest", base1, "a1.qcow2");
        TemplateVersion web1 = publishChild(store, tmp, "web", "app", app1, "w1.qcow2");
        TemplateVersion pinned = publishChild(store, tmp, "pinned", "base:" + base1.version(), base1, "p1.qcow2");

        assertEquals(List.of("base:1"), app1.manifest().lineage().stream().map(Manifest.Ancestor::ref).toList());
        assertEquals(List.of("base:1", "app:1"), web1.manifest().lineage().stream().map(Manifest.Ancestor::ref).toList(),
                "the grandchild inherits the lineage, oldest first");
        assertEquals(base1.manifest().disk().sha256(), web1.manifest().lineage().get(0).sha256(), "with each ancestor's sha256");
        Lineage lineage = new Lineage(store.catalog());
        assertFalse(lineage.parentMoved(app1));

        store.publisher().publish(Disks.request("base", Disks.disk(tmp, "b2.qcow2", 2))); // moves base@latest
        assertTrue(lineage.parentMoved(app1), "base@latest points at base:2 now");
        assertFalse(lineage.parentMoved(pinned), "a child of an exact version never sees its parent move");
        assertFalse(lineage.parentMoved(web1), "app@latest still points at app:1");

        assertEquals(List.of("app:1", "pinned:1", "web:1"), lineage.descendants("base:1").stream().map(TemplateVersion::ref).sorted().toList());
        assertEquals(List.of("web:1"), lineage.descendants("app:1").stream().map(TemplateVersion::ref).toList());
        assertEquals("base", lineage.parents().get("app"));
        assertEquals("app", lineage.parents().get("web"));
        assertFalse(lineage.parents().containsKey("base"));

        store.catalog().revoke("base", 2, true);
        assertTrue(lineage.parentMoved(app1), "base@latest points at a revoked version: no longer the one app:1 was built from either");
    }

    private static TemplateVersion publishChild(ImageStore store, Path tmp, String name, String from, TemplateVersion parent, String disk)
            throws Exception {
        PublishRequest r = Disks.request(name, Disks.disk(tmp, disk, 3));
        List<Manifest.Ancestor> lineage = new java.util.ArrayList<>(parent.manifest().lineage());
        lineage.add(parent.manifest().asAncestor());
        Manifest m = r.manifest().withParent(from, parent.ref(), lineage);
        return store.publisher().publish(new PublishRequest(name, r.disk(), "qcow2", false, m, List.of("local"), "latest"));
    }
}
