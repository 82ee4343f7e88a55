package io.ingot.catalog;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schema as numbered SQL resources: ingot's own are found and applied in order, a catalog records the last one
 * (user_version), and a new table is one more resource; a catalog newer than the ingot reading it is refused.
 */
class MigrationsTest {
    @TempDir Path dir;

    @Test
    void theResourcesAreFoundInOrderAndTheSchemaVersionIsTheLastNumber() {
        Migrations own = Migrations.fromClassPath();
        assertEquals(List.of("V1__templates_versions_channels_clones_builds.sql", "V2__version_states_and_clone_bases.sql",
                "V3__deliveries.sql"), own.names());
        assertEquals(3, own.latest());
        assertEquals(3, Catalog.open(dir.resolve(Catalog.FILE_NAME)).schemaVersion());
    }

    @Test
    void aNewTableIsOneMoreMigrationAndAnOlderIngotRefusesTheNewerCatalog() {
        Path db = dir.resolve(Catalog.FILE_NAME);
        Catalog before = Catalog.open(db);
        before.buildStarted("b1", "web", Instant.parse("2026-12-05T08:00:00Z"));
        before.close();

        List<Migrations.Migration> withDeliveries = new ArrayList<>();
        Migrations own = Migrations.fromClassPath();
        for (String name : own.names()) withDeliveries.add(new Migrations.Migration(withDeliveries.size() + 1, name, List::of));
        withDeliveries.add(new Migrations.Migration(withDeliveries.size() + 1, "V4__exports.sql", () -> Migrations.statements("""
                -- copies of templates handed elsewhere
                CREATE TABLE exports (
                  id TEXT PRIMARY KEY,
                  target TEXT NOT NULL);  -- where it went
                CREATE INDEX exports_target ON exports(target);
                """)));
        Database upgraded = Database.open(db, new Migrations(withDeliveries));
        assertEquals(4, upgraded.schemaVersion());
        assertEquals(1, (int) upgraded.tx(c -> Database.update(c, "INSERT INTO exports VALUES ('d1', 'glance')")));
        assertEquals(List.of("b1"), new BuildStore(upgraded).builds().stream().map(BuildRecord::id).toList(), "the rows stay");
        upgraded.close();

        UserError e = assertThrows(UserError.class, () -> Catalog.open(db));
        assertEquals("catalog " + db + " has schema version 4, newer than this ingot understands (3)", e.getMessage());
    }

    @Test
    void statementsEndWithASemicolonAtTheEndOfALine() {
        assertEquals(List.of("INSERT INTO t VALUES ('a; b')", "-- why\nDROP TABLE u"),
                Migrations.statements("INSERT INTO t VALUES ('a; b');\n-- why\nDROP TABLE u;\n-- nothing after\n"));
        IllegalStateException gap = assertThrows(IllegalStateException.class, () -> new Migrations(List.of(
                new Migrations.Migration(1, "V1__a.sql", List::of), new Migrations.Migration(3, "V3__c.sql", List::of))));
        assertTrue(gap.getMessage().contains("without gaps"), gap.getMessage());
    }
}
