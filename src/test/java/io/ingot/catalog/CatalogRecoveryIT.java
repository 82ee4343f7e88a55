package io.ingot.catalog;

import io.ingot.images.CloneOptions;
import io.ingot.images.ImageStore;
import io.ingot.it.IngotChild;
import io.ingot.template.TemplateRef;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalog can be rebuilt from the storages: a damaged catalog.db, a base image deleted by hand, a version
 * removal killed half-way. Each case runs the real CLI in a child JVM, as a user would, on small qcow2 disks.
 */
class CatalogRecoveryIT {
    private static final Duration T = Duration.ofMinutes(2);
    @TempDir Path tmp;
    private IngotPaths paths;
    private IngotChild ingot;

    @BeforeEach
    void paths() {
        paths = Disks.paths(tmp);
        ingot = new IngotChild(tmp, paths.images(), paths.cache());
    }

    @Test
    void aDamagedCatalogIsSetAsideAndRebuiltWithItsChannelsRevocationsAndClones() throws Exception {
        ImageStore store = ImageStore.open(paths);
        for (int i = 1; i <= 3; i++) store.publisher().publish(Disks.request("t", Disks.disk(tmp, "d" + i + ".qcow2", i)));
        store.catalog().promote("t", 1, "stable");
        store.catalog().revoke("t", 3, true);
        store.clones().clone("t:1", "c1", CloneOptions.linkedClone());
        store.clones().clone("t:2", "f1", new CloneOptions(false, null, "raw", List.of()));
        Path db = paths.images().resolve(Catalog.FILE_NAME);
        store.catalog().close();
        assertFalse(Files.exists(db.resolveSibling("catalog.db-wal")) && Files.size(db.resolveSibling("catalog.db-wal")) > 0,
                "the last connection folded the WAL into catalog.db");
        try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
            f.setLength(f.length() / 2); // a truncated file: the header survives, pages do not
        }

        IngotChild.Result templates = ingot.run(T, "templates");
        assertEquals(2, templates.exitCode(), templates.toString());
        assertTrue(templates.output().contains("the catalog " + db + " is damaged") && templates.output().contains("run: ingot catalog reindex"),
                templates.toString());
        assertFalse(templates.output().contains("SQLITE_") || templates.output().contains("internal error"), templates.toString());

        IngotChild.Result reindex = ingot.run(T, "catalog", "reindex");
        assertEquals(0, reindex.exitCode(), reindex.toString());
        assertTrue(reindex.output().contains("the catalog was damaged: set aside as catalog.db.damaged-"), reindex.toString());
        try (Stream<Path> files = Files.list(paths.images())) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("catalog.db.damaged-")).count(),
                    "the damaged file is kept, renamed");
        }
        ImageStore rebuilt = ImageStore.open(paths);
        assertEquals(List.of(1, 2, 3), rebuilt.catalog().versions("t").stream().map(TemplateVersion::version).toList());
        assertEquals(java.util.Map.of("latest", 3, "stable", 1), rebuilt.catalog().channels("t"), "channels from template.json");
        assertTrue(rebuilt.catalog().version("t", 3).orElseThrow().revoked(), "the revocation came back");
        assertEquals(List.of("c1", "f1"), rebuilt.catalog().clones().stream().map(CloneRecord::name).toList(), "clones from their vm.json");
        assertEquals(CloneKind.LINKED, rebuilt.catalog().clone("c1").orElseThrow().kind());

        IngotChild.Result rm = ingot.run(T, "rm", "t:1", "--force");
        assertEquals(2, rm.exitCode(), rm.toString());
        assertTrue(rm.output().contains("t:1 has linked clones: c1"), "a base under a live linked clone stays: " + rm);
        assertTrue(Files.isRegularFile(paths.images().resolve("templates/t/1/base.qcow2")));
        assertEquals(0, ingot.run(T, "rm", "t:2").exitCode(), "a full clone does not hold its version");
    }

    @Test
    void anEmptyCatalogFileIsReportedDamagedAndReindexRebuildsIt() throws Exception {
        ImageStore store = ImageStore.open(paths);
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "a.qcow2", 1)));
        store.catalog().close();
        Path db = paths.images().resolve(Catalog.FILE_NAME);
        Files.write(db, new byte[0]); // a disk that filled up, a copy cut short

        IngotChild.Result templates = ingot.run(T, "templates");
        assertEquals(2, templates.exitCode(), templates.toString());
        assertTrue(templates.output().contains("the catalog " + db + " is damaged (it is empty: 0 bytes); run: ingot catalog reindex"),
                templates.toString());
        assertEquals(0, Files.size(db), "a read command does not make it a new, empty catalog");

        IngotChild.Result reindex = ingot.run(T, "catalog", "reindex");
        assertEquals(0, reindex.exitCode(), reindex.toString());
        assertTrue(reindex.output().contains("the catalog was damaged: set aside as catalog.db.damaged-"), reindex.toString());
        assertEquals(List.of(1), ImageStore.open(paths).catalog().versions("t").stream().map(TemplateVersion::version).toList());
    }

    @Test
    void rmFinishesAnInterruptedRemovalOfThatClone() throws Exception {
        ImageStore store = ImageStore.open(paths);
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "a.qcow2", 1)));
        store.clones().clone("t:1", "c1", CloneOptions.linkedClone());
        store.clones().clone("t:1", "c2", CloneOptions.linkedClone());
        ingot.killAt("clone-rm:renamed", T, "rm", "c1");
        Path clones = paths.images().resolve("clones");
        assertEquals(List.of(".deleting-c1-"), leftovers(clones), "killed after its folder was renamed aside");

        IngotChild.Result rm = ingot.run(T, "rm", "c1");
        assertEquals(0, rm.exitCode(), rm.toString());
        assertTrue(rm.output().contains("removed clone c1"), rm.toString());
        assertEquals(List.of(), leftovers(clones), "its files went too, not only its row");
        assertEquals(List.of("c2"), ImageStore.open(paths).catalog().clones().stream().map(CloneRecord::name).toList());
        assertTrue(Files.isDirectory(clones.resolve("c2")));
    }

    private static List<String> leftovers(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".deleting-"))
                    .map(n -> n.replaceFirst("\\d+$", "")).sorted().toList();
        }
    }

    @Test
    void reindexOfADamagedCatalogKeepsTheBuildHistoryFromTheBuildFolders() throws Exception {
        ImageStore store = ImageStore.open(paths);
        io.ingot.pipeline.BuildHistory history = new io.ingot.pipeline.BuildHistory(paths, store.catalog());
        java.time.Instant t0 = java.time.Instant.parse("2026-12-01T10:00:00Z");
        history.started("20261201-100000-aaaaaa", "t", t0);
        history.finished("20261201-100000-aaaaaa", "t", "succeeded", "published t:1 on local, channel latest", t0.plusSeconds(300));
        history.started("20261201-110000-bbbbbb", "t", t0.plusSeconds(3600));
        history.finished("20261201-110000-bbbbbb", "t", "failed", "stage install failed: no disk writes for 10m", t0.plusSeconds(3700));
        List<BuildRecord> before = store.catalog().builds();
        assertEquals(2, before.size());
        // a build folder an older ingot left: its log alone says how the build ended
        Path older = Files.createDirectories(paths.builds().resolve("u/20261130-090000-cccccc"));
        Files.writeString(older.resolve("build.log"), "09:00:00.123 ==> recipe u\n"
                + "09:04:01.000 ==> build 20261130-090000-cccccc of u finished in 4m 1s: published u:3 on local, channel latest\n");
        store.catalog().close();
        Path db = paths.images().resolve(Catalog.FILE_NAME);
        try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }

        IngotChild.Result reindex = ingot.run(T, "catalog", "reindex");
        assertEquals(0, reindex.exitCode(), reindex.toString());
        assertTrue(reindex.output().contains("restored 3 builds from their folders"), reindex.toString());
        List<BuildRecord> after = ImageStore.open(paths).catalog().builds();
        assertEquals(before, after.stream().filter(b -> b.recipe().equals("t")).toList(), "the daemon's build list as it was");
        BuildRecord old = after.stream().filter(b -> b.recipe().equals("u")).findFirst().orElseThrow();
        assertEquals("succeeded", old.status());
        assertEquals("published u:3 on local, channel latest", old.message());

        // a catalog deleted by hand comes back with its history at the next recovery step, reindex or not
        for (String f : List.of("", "-wal", "-shm")) Files.deleteIfExists(db.resolveSibling(Catalog.FILE_NAME + f));
        IngotChild.Result repair = ingot.run(T, "doctor", "--repair");
        assertTrue(repair.output().contains("the catalog knew no build: restored 3 builds from their folders"), repair.toString());
        assertEquals(after, ImageStore.open(paths).catalog().builds());
    }

    @Test
    void aBaseImageDeletedByHandIsShownBrokenAndKeptWhileClonesUseIt() throws Exception {
        ImageStore store = ImageStore.open(paths);
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "a.qcow2", 1)));
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "b.qcow2", 2)));
        store.clones().clone("t:1", "c1", CloneOptions.linkedClone());
        Path v1 = paths.images().resolve("templates/t/1");
        Files.setPosixFilePermissions(v1, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.delete(v1.resolve("base.qcow2"));

        IngotChild.Result repair = ingot.run(T, "doctor", "--repair");
        assertTrue(repair.output().contains("repair: t:1 is broken: its base image or manifest is missing on storage 'local'"), repair.toString());
        IngotChild.Result versions = ingot.run(T, "versions", "t");
        assertTrue(versions.output().lines().anyMatch(l -> l.startsWith("t:1") && l.strip().endsWith("broken")), versions.toString());
        assertTrue(ingot.run(T, "templates").output().contains("1(broken),2"));
        IngotChild.Result reindex = ingot.run(T, "catalog", "reindex");
        assertTrue(reindex.output().contains("kept t:1 as broken: its files are gone but clones use it"), reindex.toString());
        assertTrue(ImageStore.open(paths).catalog().version("t", 1).orElseThrow().broken(), "never dropped while c1 reads it");

        IngotChild.Result clone = ingot.run(T, "clone", "t:1", "c2", "--linked");
        assertEquals(2, clone.exitCode());
        assertTrue(clone.output().contains("template version t:1 is broken"), clone.toString());
        assertEquals(2, ingot.run(T, "rm", "t:1").exitCode(), "refused while c1 uses it");
        assertEquals(0, ingot.run(T, "rm", "c1").exitCode());
        IngotChild.Result rm = ingot.run(T, "rm", "t:1");
        assertEquals(0, rm.exitCode(), "a broken version with no clones can be removed: " + rm);
        assertEquals(List.of(2), ImageStore.open(paths).catalog().versions("t").stream().map(TemplateVersion::version).toList());
        assertFalse(Files.exists(v1));
    }

    @Test
    void aVersionRemovalKilledHalfWayIsFinishedAndNeverComesBack() throws Exception {
        ImageStore store = ImageStore.open(paths);
        for (int i = 1; i <= 3; i++) store.publisher().publish(Disks.request("t", Disks.disk(tmp, "d" + i + ".qcow2", i)));
        // killed after the row was marked, before any file went; then after the folder was renamed aside
        ingot.killAt("version-rm:marked", T, "rm", "t:1");
        ingot.killAt("version-rm:renamed", T, "rm", "t:2");
        ImageStore after = ImageStore.open(paths);
        assertEquals(TemplateVersion.DELETING, after.catalog().version("t", 1).orElseThrow().state());
        assertEquals(TemplateVersion.DELETING, after.catalog().version("t", 2).orElseThrow().state());
        IngotChild.Result clone = ingot.run(T, "clone", "t:2", "c", "--linked");
        assertEquals(2, clone.exitCode(), "a version being removed resolves for nobody: " + clone);
        assertTrue(Files.isDirectory(paths.images().resolve("templates/t/1")), "t:1's files were not touched yet");

        IngotChild.Result reindex = ingot.run(T, "catalog", "reindex");
        assertEquals(0, reindex.exitCode(), reindex.toString());
        assertTrue(reindex.output().contains("finished the interrupted removal of t:1"), reindex.toString());
        ImageStore done = ImageStore.open(paths);
        assertEquals(List.of(3), done.catalog().versions("t").stream().map(TemplateVersion::version).toList());
        try (Stream<Path> left = Files.list(paths.images().resolve("templates/t"))) {
            assertEquals(List.of("3", "template.json"), left.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(4, done.publisher().publish(Disks.request("t", Disks.disk(tmp, "d4.qcow2", 4))).version());
    }

    @Test
    void aSchemaOneCatalogKeepsTheVersionItsLinkedClonesRead() throws Exception {
        Path db = paths.images().resolve(Catalog.FILE_NAME);
        Files.createDirectories(db.getParent());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE templates (name TEXT PRIMARY KEY, next_version INTEGER NOT NULL, created TEXT NOT NULL)");
            s.execute("CREATE TABLE versions (name TEXT NOT NULL REFERENCES templates(name), version INTEGER NOT NULL, build_id TEXT,"
                    + " storage TEXT NOT NULL, manifest TEXT NOT NULL, created TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
                    + " PRIMARY KEY (name, version))");
            s.execute("CREATE TABLE channels (template TEXT NOT NULL, channel TEXT NOT NULL, version INTEGER NOT NULL, updated TEXT NOT NULL,"
                    + " PRIMARY KEY (template, channel), FOREIGN KEY (template, version) REFERENCES versions(name, version))");
            s.execute("CREATE TABLE clones (name TEXT PRIMARY KEY, template TEXT NOT NULL, version INTEGER NOT NULL, storage TEXT NOT NULL,"
                    + " kind TEXT NOT NULL CHECK (kind IN ('linked', 'full', 'memory')), created TEXT NOT NULL, vm_config TEXT NOT NULL)");
            s.execute("CREATE INDEX clones_parent ON clones(template, version)");
            s.execute("CREATE TABLE builds (id TEXT PRIMARY KEY, recipe TEXT NOT NULL, status TEXT NOT NULL, started TEXT NOT NULL,"
                    + " finished TEXT, message TEXT)");
            s.execute("INSERT INTO templates VALUES ('t', 3, '2026-01-01T00:00:00Z')");
            s.execute("INSERT INTO versions VALUES ('t', 2, 'b2', 'local', '{\"name\":\"t\",\"version\":2}', '2026-01-02T00:00:00Z', 0)");
            // what the old reindex left: a linked clone of a version it had dropped, and a full clone of another
            s.execute("INSERT INTO clones VALUES ('c1', 't', 1, 'local', 'linked', '2026-01-03T00:00:00Z', '{}')");
            s.execute("INSERT INTO clones VALUES ('f1', 'u', 7, 'local', 'full', '2026-01-03T00:00:00Z', '{}')");
            s.execute("PRAGMA user_version = 1");
        }
        Catalog catalog = Catalog.open(db);
        assertEquals(3, catalog.schemaVersion());
        TemplateVersion kept = catalog.version("t", 1).orElseThrow();
        assertTrue(kept.broken() && kept.problem().contains("clones use it"), kept.toString());
        assertTrue(catalog.version("u", 7).isEmpty(), "a full clone holds no version");
        assertEquals(List.of("c1", "f1"), catalog.clones().stream().map(CloneRecord::name).toList());
        assertEquals(2, catalog.resolve(TemplateRef.parse("t")).version(), "NAME resolves to a whole version");
        io.ingot.util.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.ingot.util.UserError.class,
                () -> catalog.markDeleting("t", 1, false));
        assertTrue(e.getMessage().contains("linked clones: c1"), e.getMessage());
    }
}
