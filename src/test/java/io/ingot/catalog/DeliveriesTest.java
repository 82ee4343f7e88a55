package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveriesTest {
    @TempDir Path dir;

    private static TemplateVersion version(String name, int n) {
        return new TemplateVersion(name, n, "b" + n, List.of("local"), Manifest.empty().withIdentity(name, n, Instant.EPOCH),
                Instant.EPOCH, false, TemplateVersion.READY, null);
    }

    @Test
    void aLinkedCopyHoldsItsVersionAndAFullCopyDoesNot() {
        Catalog catalog = Catalog.open(dir.resolve("catalog.db"));
        assertEquals(3, catalog.schemaVersion());
        catalog.addVersion(version("t", 1), null);
        catalog.addVersion(version("t", 2), null);
        Deliveries deliveries = new Deliveries(catalog);
        DeliveryRecord linked = new DeliveryRecord("libvirt", "qemu:///system?pool=default", "web1", "t", 1, null, true, "ab", Instant.EPOCH);
        DeliveryRecord full = new DeliveryRecord("libvirt", "qemu:///system?pool=default", "web2", "t", 2, "c2", false, "cd", Instant.EPOCH);
        deliveries.record(linked);
        deliveries.record(full);
        assertEquals(List.of(linked), deliveries.of("t", 1));
        assertEquals(List.of(linked, full), deliveries.all());

        UserError e = assertThrows(UserError.class, () -> catalog.markDeleting("t", 1, true));
        assertEquals("t:1 is the base image of libvirt web1 at qemu:///system?pool=default (remove it there first;"
                + " ingot rm forgets it once it is gone)", e.getMessage());
        assertTrue(catalog.version("t", 1).orElseThrow().state().equals(TemplateVersion.READY), "nothing changed");
        catalog.markDeleting("t", 2, true); // a full copy is independent of its version

        assertTrue(deliveries.forget("libvirt", "qemu:///system?pool=default", "web1"));
        catalog.markDeleting("t", 1, true);
        assertEquals("template version t:1 was removed while it was pushed",
                assertThrows(UserError.class, () -> deliveries.record(linked)).getMessage(), "no linked copy of a version being removed");
    }

    @Test
    void aSchemaTwoCatalogGainsTheTable() throws Exception {
        Path db = dir.resolve("catalog.db");
        Catalog.open(db).close();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement()) {
            s.execute("DROP TABLE deliveries");
            s.execute("PRAGMA user_version = 2");
        }
        Catalog catalog = Catalog.open(db);
        assertEquals(3, catalog.schemaVersion());
        assertEquals(List.of(), new Deliveries(catalog).all());
    }
}
