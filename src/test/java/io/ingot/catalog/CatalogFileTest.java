package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalog file as a user handles it: found empty, or copied alone (a backup) while ingot has it open. */
class CatalogFileTest {
    @TempDir Path dir;

    @Test
    void anEmptyCatalogFileIsDamagedNotAnEmptyCatalog() throws Exception {
        Path db = dir.resolve(Catalog.FILE_NAME);
        Files.createFile(db);
        // what a WAL holds would be lost if SQLite opened the empty file (it deletes the WAL of a 0-byte database)
        Path wal = dir.resolve(Catalog.FILE_NAME + "-wal");
        Files.write(wal, new byte[] {1, 2, 3});

        UserError e = assertThrows(UserError.class, () -> Catalog.open(db));
        assertEquals("the catalog " + db + " is damaged (it is empty: 0 bytes); run: ingot catalog reindex"
                + " (it sets the damaged file aside and rebuilds the catalog from the storages)", e.getMessage());
        assertEquals(0, Files.size(db), "left as it was, for reindex to set aside");
        assertEquals(3, Files.size(wal));
        assertFalse(Database.intact(db), "reindex sets it aside");
    }

    @Test
    void aNewCatalogIsNeverAnEmptyFile() throws Exception {
        Path db = dir.resolve("images").resolve(Catalog.FILE_NAME);
        // what a process killed while making the catalog leaves: its temporary file, never an empty catalog.db
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(db.getParent());
        Files.createFile(db.resolveSibling(Catalog.FILE_NAME + ".new-" + gone.pid() + "-1"));
        Catalog.open(db).close();
        assertTrue(Files.size(db) > 0);
        assertTrue(Database.intact(db));
        try (var left = Files.list(db.getParent())) {
            assertEquals(List.of(Catalog.FILE_NAME), left.map(p -> p.getFileName().toString()).toList(), "no temporary file left, the dead process's included");
        }
        assertEquals(Migrations.fromClassPath().latest(), Catalog.open(db).schemaVersion());
    }

    @Test
    void aCopyOfTheFileAloneHoldsEveryChangeWhileTheCatalogIsOpen() throws Exception {
        Path db = dir.resolve(Catalog.FILE_NAME);
        Catalog catalog = Catalog.open(db);
        int n = catalog.reserveVersion("web");
        catalog.addVersion(new TemplateVersion("web", n, "b1", List.of("local"),
                Manifest.empty().withIdentity("web", n, Instant.now()), Instant.now(), false), "latest");
        catalog.promote("web", n, "stable");
        catalog.addClone(new CloneRecord("c1", "web", n, "local", CloneKind.LINKED, Instant.now(), "{}"));
        catalog.buildStarted("b1", "web", Instant.now());

        // the connection stays open (a daemon's does): a copy of catalog.db alone, as a backup would take it
        Path copy = Files.createDirectories(dir.resolve("backup")).resolve(Catalog.FILE_NAME);
        Files.copy(db, copy);
        Catalog restored = Catalog.open(copy);
        assertEquals(n, restored.resolve(TemplateRef.parse("web@stable")).version());
        assertEquals(Map.of("latest", n, "stable", n), restored.channels("web"));
        assertEquals(List.of("c1"), restored.clones().stream().map(CloneRecord::name).toList());
        assertEquals(List.of("b1"), restored.builds().stream().map(BuildRecord::id).toList());
        catalog.close();
    }
}
