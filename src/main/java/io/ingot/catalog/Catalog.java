package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Conflict;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The catalog: an embedded SQLite database ({@code <images>/catalog.db}) of templates, versions,
 * channels, clones and builds. WAL mode and a busy timeout let several CLI processes and the daemon
 * share it; every write is one {@code BEGIN IMMEDIATE} transaction, so writers queue instead of
 * failing on a lock upgrade. One kept connection, used by one thread at a time, serves the process.
 * Everything in it can be rebuilt from the storages ({@link #reindex}): versions from their manifests,
 * channels and revocations from each template's {@code template.json} (kept by a {@link TemplateListener}),
 * clones from their {@code vm.json}. A damaged file is reported as {@link Damaged}, never as SQLite's error.
 */
public final class Catalog {
    public static final String FILE_NAME = "catalog.db";
    static final int SCHEMA_VERSION = 2;
    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

    private static final String[] SCHEMA_V1 = {
            """
            CREATE TABLE templates (
              name TEXT PRIMARY KEY,
              next_version INTEGER NOT NULL,   -- monotonic: never reused, even after a delete
              created TEXT NOT NULL)""",
            """
            CREATE TABLE versions (
              name TEXT NOT NULL REFERENCES templates(name),
              version INTEGER NOT NULL,
              build_id TEXT,
              storage TEXT NOT NULL,           -- comma-separated storage names holding identical copies
              manifest TEXT NOT NULL,
              created TEXT NOT NULL,
              revoked INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (name, version))""",
            """
            CREATE TABLE channels (
              template TEXT NOT NULL,
              channel TEXT NOT NULL,
              version INTEGER NOT NULL,
              updated TEXT NOT NULL,
              PRIMARY KEY (template, channel),
              FOREIGN KEY (template, version) REFERENCES versions(name, version))""",
            """
            CREATE TABLE clones (
              name TEXT PRIMARY KEY,
              template TEXT NOT NULL,
              version INTEGER NOT NULL,
              storage TEXT NOT NULL,
              kind TEXT NOT NULL CHECK (kind IN ('linked', 'full', 'memory')),
              created TEXT NOT NULL,
              vm_config TEXT NOT NULL)""",
            "CREATE INDEX clones_parent ON clones(template, version)",
            """
            CREATE TABLE builds (
              id TEXT PRIMARY KEY,
              recipe TEXT NOT NULL,
              status TEXT NOT NULL,
              started TEXT NOT NULL,
              finished TEXT,
              message TEXT)"""
    };

    /** Version states; clones that read a version's files reference it (full clones are independent copies). */
    private static final String[] SCHEMA_V2 = {
            "ALTER TABLE versions ADD COLUMN state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'broken', 'deleting'))",
            "ALTER TABLE versions ADD COLUMN problem TEXT",
            // linked clones of a version that is no longer listed (reindex used to drop such versions): the version
            // comes back as broken, so that the reference below holds and its base cannot be removed under them
            """
            INSERT OR IGNORE INTO templates(name, next_version, created)
              SELECT template, max(version) + 1, min(created) FROM clones GROUP BY template""",
            """
            INSERT INTO versions(name, version, build_id, storage, manifest, created, revoked, state, problem)
              SELECT template, version, NULL, min(storage), json_object('name', template, 'version', version), min(created), 0,
                     'broken', 'its files were not in the catalog when it was upgraded; clones use it'
              FROM clones c WHERE kind != 'full'
                AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.name = c.template AND v.version = c.version)
              GROUP BY template, version""",
            """
            CREATE TABLE clones_v2 (
              name TEXT PRIMARY KEY,
              template TEXT NOT NULL,
              version INTEGER NOT NULL,
              storage TEXT NOT NULL,
              kind TEXT NOT NULL CHECK (kind IN ('linked', 'full', 'memory')),
              created TEXT NOT NULL,
              vm_config TEXT NOT NULL,
              base_template TEXT,              -- linked and memory clones: the version whose files they read
              base_version INTEGER,
              CHECK ((kind = 'full') = (base_template IS NULL)),
              FOREIGN KEY (base_template, base_version) REFERENCES versions(name, version))""",
            """
            INSERT INTO clones_v2 SELECT name, template, version, storage, kind, created, vm_config,
              CASE WHEN kind = 'full' THEN NULL ELSE template END, CASE WHEN kind = 'full' THEN NULL ELSE version END
              FROM clones""",
            "DROP TABLE clones",
            "ALTER TABLE clones_v2 RENAME TO clones",
            "CREATE INDEX clones_parent ON clones(template, version)"
    };

    private final Path file;
    private final String url;
    private final java.util.Properties props;
    private final TemplateListener listener;
    private final Object lock = new Object();
    private Connection connection;

    private Catalog(Path file, TemplateListener listener) {
        this.file = file;
        this.listener = listener;
        this.url = "jdbc:sqlite:" + file;
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(60_000);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.enforceForeignKeys(true);
        this.props = config.toProperties();
    }

    /** Opens (creating or migrating) the catalog database. */
    public static Catalog open(Path file) {
        return open(file, TemplateListener.NONE);
    }

    /** Opens the catalog; {@code listener} hears of every change to a template's channels or revoked versions. */
    public static Catalog open(Path file, TemplateListener listener) {
        Path abs = file.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
            if (!Files.exists(abs)) create(abs);
            // SQLite takes an empty file for a new database (and deletes its WAL): ingot never leaves one, so it lost its content
            if (Files.size(abs) == 0) throw new Damaged(abs, "it is empty: 0 bytes");
        } catch (NoSuchFileException e) {
            throw new Damaged(abs, "it vanished while it was opened");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Catalog c = new Catalog(abs, listener);
        c.migrate();
        return c;
    }

    /**
     * Makes a new catalog under a temporary name and links it into place whole, so that an empty catalog.db is
     * never ingot's own (a process killed while making one leaves only the temporary file). Another process
     * making it at the same time wins harmlessly.
     */
    private static void create(Path file) throws IOException {
        // createFile, not createTempFile: the file keeps the umask's mode, as SQLite would make it
        Path tmp = Files.createFile(file.resolveSibling(file.getFileName() + ".new-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
        try {
            Catalog fresh = new Catalog(tmp, TemplateListener.NONE);
            fresh.migrate();
            fresh.close(); // the last connection folds the WAL into the file
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                // made by another process meanwhile: that one is used
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, file);
            }
        } finally {
            for (String part : List.of("", "-wal", "-shm")) Files.deleteIfExists(tmp.resolveSibling(tmp.getFileName() + part));
        }
    }

    /**
     * Whether SQLite finds the database file sound ({@code PRAGMA quick_check}); false also when it cannot
     * read it at all.
     */
    public static boolean intact(Path file) {
        if (!Files.exists(file)) return true;
        try {
            if (Files.size(file) == 0) return false;
        } catch (IOException e) {
            return false;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            return rs.next() && "ok".equals(rs.getString(1));
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Renames a damaged catalog (with its WAL and shared-memory files) to {@code catalog.db.damaged-TIME}, never
     * deleting it; returns the new name of the database file.
     */
    public static Path setAside(Path file) throws IOException {
        String suffix = ".damaged-" + Instant.now().toString().replace(":", "");
        Path aside = file.resolveSibling(file.getFileName() + suffix);
        for (String part : List.of("", "-wal", "-shm")) {
            Path f = file.resolveSibling(file.getFileName() + part);
            if (Files.exists(f)) Files.move(f, f.resolveSibling(f.getFileName() + suffix));
        }
        return aside;
    }

    public Path file() { return file; }

    @FunctionalInterface
    interface Work<T> { T run(Connection c) throws SQLException; }

    /**
     * The catalog's one connection, opened on first use and kept: opening one (and, closing the last one, the
     * checkpoint and fsync SQLite does then) costs more than the statements of a clone. Calls are serialised on it.
     */
    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) connection = DriverManager.getConnection(url, props);
        return connection;
    }

    /** Runs work in one immediate transaction. */
    <T> T tx(Work<T> work) {
        synchronized (lock) {
            try {
                Connection c = connection();
                // explicit statements: the JDBC driver's autocommit switch would open the next transaction at once
                try (Statement s = c.createStatement()) { s.execute("BEGIN IMMEDIATE"); }
                try {
                    T result = work.run(c);
                    try (Statement s = c.createStatement()) { s.execute("COMMIT"); }
                    checkpoint(c);
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollback(c);
                    throw e;
                }
            } catch (SQLException e) {
                dropConnection();
                throw failure(e);
            }
        }
    }

    /**
     * Copies the WAL into catalog.db after each write, so that a copy of catalog.db alone (a backup) holds every
     * change: without it the changes live in catalog.db-wal until SQLite's own checkpoint, up to a thousand pages
     * later. FULL waits (busy timeout) for other processes' readers of an older snapshot, which are short.
     */
    private void checkpoint(Connection c) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(FULL)")) {
            if (rs.next() && rs.getInt(1) != 0) LOG.debug("catalog checkpoint of {} not complete: other processes busy", file);
        } catch (SQLException e) {
            // the change is committed (in the WAL); the next write's checkpoint copies it
            LOG.warn("cannot checkpoint the catalog {}: {}", file, e.getMessage());
        }
    }

    <T> T read(Work<T> work) {
        synchronized (lock) {
            try {
                return work.run(connection());
            } catch (SQLException e) {
                dropConnection();
                throw failure(e);
            }
        }
    }

    private static void rollback(Connection c) {
        try (Statement s = c.createStatement()) {
            if (!c.isClosed()) s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction left to roll back (SQLite ends some on error by itself)
        }
    }

    /**
     * Closes the kept connection (the last one to close folds the WAL into catalog.db); the next call opens
     * a new one.
     */
    public void close() {
        synchronized (lock) {
            dropConnection();
        }
    }

    /** After a database error the next call starts from a new connection. */
    private void dropConnection() {
        try {
            if (connection != null) connection.close();
        } catch (SQLException ignored) {
            // it is being dropped
        }
        connection = null;
    }

    /** SQLite's "malformed" and "not a database" become {@link Damaged}; anything else is ingot's or the system's. */
    private RuntimeException failure(SQLException e) {
        int code = e.getErrorCode() & 0xff;
        if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
            String why = e.getMessage() == null ? "" : e.getMessage().replaceFirst("^\\[SQLITE_\\w+\\]\\s*", "");
            return new Damaged(file, why);
        }
        return new CatalogException("catalog " + file + ": " + e.getMessage(), e);
    }

    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;

    /** A database failure (not the user's fault). */
    public static final class CatalogException extends RuntimeException {
        CatalogException(String message, Throwable cause) { super(message, cause); }
    }

    /** The catalog file is damaged: the user can have it set aside and rebuilt from the storages. */
    public static final class Damaged extends UserError {
        Damaged(Path file, String why) {
            super("the catalog " + file + " is damaged (" + why.strip() + "); run: ingot catalog reindex"
                    + " (it sets the damaged file aside and rebuilds the catalog from the storages)");
        }
    }

    private void changed(String template) {
        try {
            listener.changed(this, template);
        } catch (RuntimeException e) {
            // the copy on the storages is a convenience for reindex: a failure to write it must not undo a change
            LOG.warn("cannot record the channels of {} on its storages: {}",
                    template, e.getMessage());
        }
    }

    private void migrate() {
        // read commands open the catalog too: only take the write lock when there is something to do
        if (schemaVersion() == SCHEMA_VERSION) return;
        tx(c -> {
            int current;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                current = rs.getInt(1);
            }
            if (current > SCHEMA_VERSION) {
                throw new UserError("catalog " + file + " has schema version " + current + ", newer than this ingot understands (" + SCHEMA_VERSION + ")");
            }
            if (current == SCHEMA_VERSION) return null;
            try (Statement s = c.createStatement()) {
                if (current < 1) for (String ddl : SCHEMA_V1) s.execute(ddl);
                if (current < 2) for (String ddl : SCHEMA_V2) s.execute(ddl);
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            }
            return null;
        });
    }

    public int schemaVersion() {
        return read(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                return rs.getInt(1);
            }
        });
    }

    /** Runs one INSERT, UPDATE or DELETE with its parameters in order; returns the rows it changed. */
    private static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) p.setObject(i + 1, params[i]);
            return p.executeUpdate();
        }
    }

    // ---- versions -------------------------------------------------------------------------

    /** Allocates the next version number of a template; monotonic, never handed out twice, even across processes. */
    public int reserveVersion(String template) {
        return tx(c -> {
            update(c, "INSERT INTO templates(name, next_version, created) VALUES (?, 1, ?) ON CONFLICT(name) DO NOTHING",
                    template, Instant.now().toString());
            int next;
            try (PreparedStatement p = c.prepareStatement("SELECT next_version FROM templates WHERE name = ?")) {
                p.setString(1, template);
                try (ResultSet rs = p.executeQuery()) { rs.next(); next = rs.getInt(1); }
            }
            update(c, "UPDATE templates SET next_version = ? WHERE name = ?", next + 1, template);
            return next;
        });
    }

    /**
     * Records a published version and points the channel (if any) at it, in one transaction, unless the channel
     * points at a newer version already (a build that publishes after a newer one, say after retries, leaves it
     * there). The same version adopted meanwhile by a recovery step (same build) is taken as recorded. Returns what
     * became of the channel (null without one).
     */
    public ChannelMove addVersion(TemplateVersion v, String channel) {
        ChannelMove move = tx(c -> {
            Optional<TemplateVersion> present = versionRow(c, v.name(), v.version());
            if (present.isPresent() && v.buildId() != null && v.buildId().equals(present.get().buildId())) {
                LOG.info("{} was adopted by a recovery step while it was published", v.ref());
                update(c, "UPDATE versions SET storage = ?, manifest = ?, state = 'ready', problem = NULL "
                        + "WHERE name = ? AND version = ?",
                        String.join(",", v.storages()), v.manifest().toJson(), v.name(), v.version());
            } else {
                insertVersion(c, v);
            }
            if (channel == null) return null;
            Integer at = channelVersion(c, v.name(), channel);
            if (at != null && at > v.version()) return new ChannelMove(v.name(), channel, v.version(), at);
            setChannel(c, v.name(), channel, v.version());
            return new ChannelMove(v.name(), channel, v.version(), v.version());
        });
        changed(v.name());
        return move;
    }

    /**
     * Adds a version found complete on its storages but missing from the catalog (its publish was killed between
     * the rename and the catalog row); channels are left where they were. False if it is there already.
     */
    public boolean adoptVersion(TemplateVersion v) {
        // no listener call: channels and revocations stay as the storages record them
        return tx(c -> {
            if (versionRow(c, v.name(), v.version()).isPresent()) return false;
            insertVersion(c, v);
            return true;
        });
    }

    private static Optional<TemplateVersion> versionRow(Connection c, String name, int version) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT * FROM versions WHERE name = ? AND version = ?")) {
            p.setString(1, name);
            p.setInt(2, version);
            try (ResultSet rs = p.executeQuery()) { return rs.next() ? Optional.of(version(rs)) : Optional.empty(); }
        }
    }

    private static void insertVersion(Connection c, TemplateVersion v) throws SQLException {
        update(c, "INSERT INTO templates(name, next_version, created) VALUES (?, ?, ?) "
                + "ON CONFLICT(name) DO UPDATE SET next_version = max(next_version, excluded.next_version)",
                v.name(), v.version() + 1, v.created().toString());
        update(c, "INSERT INTO versions(name, version, build_id, storage, manifest, created, revoked, state, problem) VALUES (?,?,?,?,?,?,?,?,?)",
                v.name(), v.version(), v.buildId(), String.join(",", v.storages()), v.manifest().toJson(), v.created().toString(),
                v.revoked() ? 1 : 0, v.state(), v.problem());
    }

    private static TemplateVersion version(ResultSet rs) throws SQLException {
        try {
            return new TemplateVersion(rs.getString("name"), rs.getInt("version"), rs.getString("build_id"),
                    Arrays.asList(rs.getString("storage").split(",")), Manifest.fromJson(rs.getString("manifest")),
                    Instant.parse(rs.getString("created")), rs.getInt("revoked") != 0, rs.getString("state"),
                    rs.getString("problem"));
        } catch (IOException e) {
            throw new SQLException("bad manifest json for " + rs.getString("name") + ":" + rs.getInt("version"), e);
        }
    }

    public Optional<TemplateVersion> version(String name, int version) {
        return read(c -> versionRow(c, name, version));
    }

    /** The versions of a template, oldest first. */
    public List<TemplateVersion> versions(String name) {
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT * FROM versions WHERE name = ? ORDER BY version")) {
                p.setString(1, name);
                List<TemplateVersion> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) { while (rs.next()) out.add(version(rs)); }
                return out;
            }
        });
    }

    public List<TemplateVersion> allVersions() {
        return read(c -> {
            List<TemplateVersion> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM versions ORDER BY name, version")) {
                while (rs.next()) out.add(version(rs));
            }
            return out;
        });
    }

    /** Names of templates with at least one version. */
    public List<String> templateNames() {
        return read(c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT DISTINCT name FROM versions ORDER BY name")) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    /**
     * Resolves NAME:VERSION (must exist and not be revoked), NAME@CHANNEL, or NAME (the
     * {@code latest} channel, else the highest non-revoked version).
     */
    public TemplateVersion resolve(TemplateRef ref) {
        if (ref.version() != null) {
            TemplateVersion v = version(ref.name(), ref.version())
                    .filter(x -> !x.deleting())
                    .orElseThrow(() -> new NotFound("no template version " + ref + " (see: ingot versions " + ref.name() + ")"));
            if (v.revoked()) throw new UserError("template version " + ref + " is revoked");
            if (v.broken()) throw new UserError("template version " + ref + " is broken: " + v.problem());
            return v;
        }
        Map<String, Integer> channels = channels(ref.name());
        if (ref.channel() != null) {
            Integer n = channels.get(ref.channel());
            if (n == null) {
                throw new NotFound("template " + ref.name() + " has no channel '" + ref.channel() + "'"
                        + (channels.isEmpty() ? "" : " (channels: " + String.join(", ", channels.keySet()) + ")"));
            }
            TemplateVersion v = version(ref.name(), n).orElseThrow(() -> new UserError(ref + " points at missing version " + n));
            if (v.revoked()) throw new UserError(ref + " points at " + v.ref() + ", which is revoked");
            if (!TemplateVersion.READY.equals(v.state())) throw new UserError(ref + " points at " + v.ref() + ", which is " + v.state()
                    + (v.problem() != null ? ": " + v.problem() : ""));
            return v;
        }
        Integer latest = channels.get("latest");
        if (latest != null) {
            Optional<TemplateVersion> v = version(ref.name(), latest);
            if (v.isPresent() && usable(v.get())) return v.get();
        }
        List<TemplateVersion> all = versions(ref.name());
        for (int i = all.size() - 1; i >= 0; i--) if (usable(all.get(i))) return all.get(i);
        if (all.isEmpty()) throw new NotFound("no template '" + ref.name() + "' (see: ingot templates)");
        throw new UserError("template '" + ref.name() + "' has only revoked or broken versions (see: ingot versions " + ref.name() + ")");
    }

    private static boolean usable(TemplateVersion v) {
        return !v.revoked() && TemplateVersion.READY.equals(v.state());
    }

    public void revoke(String name, int version, boolean revoked) {
        tx(c -> {
            if (update(c, "UPDATE versions SET revoked = ? WHERE name = ? AND version = ?",
                    revoked ? 1 : 0, name, version) == 0) throw new NotFound("no template version " + name + ":" + version);
            return null;
        });
        changed(name);
    }

    /**
     * Marks a version as being deleted after checking, in the same transaction, that no linked or memory clone
     * depends on it and (unless {@code force}, which then drops them) that no channel points at it. From then on
     * it resolves for nobody and no clone of it can be recorded; its row goes with {@link #dropVersion} once its
     * files are gone (a recovery step finishes the job if this process dies first).
     */
    public TemplateVersion markDeleting(String name, int version, boolean force) {
        TemplateVersion marked = tx(c -> {
            TemplateVersion v;
            try (PreparedStatement p = c.prepareStatement("SELECT * FROM versions WHERE name = ? AND version = ?")) {
                p.setString(1, name);
                p.setInt(2, version);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) throw new UserError("no template version " + name + ":" + version);
                    v = version(rs);
                }
            }
            Map<CloneKind, List<String>> dependants = new TreeMap<>();
            try (PreparedStatement p = c.prepareStatement("SELECT name, kind FROM clones WHERE template = ? AND version = ? ORDER BY name")) {
                p.setString(1, name);
                p.setInt(2, version);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        CloneKind k = CloneKind.valueOf(rs.getString(2).toUpperCase());
                        if (k.dependsOnTemplate()) dependants.computeIfAbsent(k, x -> new ArrayList<>()).add(rs.getString(1));
                    }
                }
            }
            if (!dependants.isEmpty()) {
                StringBuilder sb = new StringBuilder(name + ":" + version + " has ");
                dependants.forEach((k, names) -> sb.append(sb.toString().endsWith("has ") ? "" : "; ")
                        .append(k.label()).append(" clones: ").append(String.join(", ", names)));
                throw new UserError(sb + " (remove them first with: ingot rm CLONE)");
            }
            List<String> channels = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("SELECT channel FROM channels WHERE template = ? AND version = ? ORDER BY channel")) {
                p.setString(1, name);
                p.setInt(2, version);
                try (ResultSet rs = p.executeQuery()) { while (rs.next()) channels.add(rs.getString(1)); }
            }
            if (!channels.isEmpty() && !force) {
                throw new UserError(name + ":" + version + " is the version of channel" + (channels.size() > 1 ? "s " : " ")
                        + String.join(", ", channels) + "; promote another version first, or use --force to drop the channel" + (channels.size() > 1 ? "s" : ""));
            }
            update(c, "DELETE FROM channels WHERE template = ? AND version = ?", name, version);
            update(c, "UPDATE versions SET state = 'deleting' WHERE name = ? AND version = ?", name, version);
            return v;
        });
        changed(name);
        return marked;
    }

    /** Deletes the row of a version marked {@link #markDeleting deleting}, whose files are gone. */
    public void dropVersion(String name, int version) {
        tx(c -> {
            update(c, "DELETE FROM versions WHERE name = ? AND version = ? AND state = 'deleting'", name, version);
            return null;
        });
        changed(name);
    }

    /** Versions in one state ({@link TemplateVersion#DELETING}, ...), all templates. */
    public List<TemplateVersion> versionsIn(String state) {
        return allVersions().stream().filter(v -> v.state().equals(state)).toList();
    }

    /** Marks a version broken ({@code problem} says why) or, with null, ready again; no effect on one being deleted. */
    public void markProblem(String name, int version, String problem) {
        tx(c -> {
            update(c, "UPDATE versions SET state = ?, problem = ? WHERE name = ? AND version = ? AND state != 'deleting'",
                    problem == null ? TemplateVersion.READY : TemplateVersion.BROKEN, problem, name, version);
            return null;
        });
    }

    // ---- channels -------------------------------------------------------------------------

    /** Channel name -> version, for one template. */
    public Map<String, Integer> channels(String template) {
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT channel, version FROM channels WHERE template = ? ORDER BY channel")) {
                p.setString(1, template);
                Map<String, Integer> out = new LinkedHashMap<>();
                try (ResultSet rs = p.executeQuery()) { while (rs.next()) out.put(rs.getString(1), rs.getInt(2)); }
                return out;
            }
        });
    }

    /** Points a channel at an existing, non-revoked version. */
    public void promote(String template, int version, String channel) {
        TemplateRef.checkName(channel, "channel name");
        tx(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT revoked, state FROM versions WHERE name = ? AND version = ?")) {
                p.setString(1, template);
                p.setInt(2, version);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next() || TemplateVersion.DELETING.equals(rs.getString(2))) throw new NotFound("no template version " + template + ":" + version);
                    if (rs.getInt(1) != 0) throw new Conflict("template version " + template + ":" + version + " is revoked; it cannot be promoted");
                    if (TemplateVersion.BROKEN.equals(rs.getString(2))) {
                        throw new Conflict("template version " + template + ":" + version + " is broken; it cannot be promoted (see: ingot versions " + template + ")");
                    }
                }
            }
            setChannel(c, template, channel, version);
            return null;
        });
        changed(template);
    }

    private static Integer channelVersion(Connection c, String template, String channel) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT version FROM channels WHERE template = ? AND channel = ?")) {
            p.setString(1, template);
            p.setString(2, channel);
            try (ResultSet rs = p.executeQuery()) { return rs.next() ? rs.getInt(1) : null; }
        }
    }

    private static void setChannel(Connection c, String template, String channel, int version) throws SQLException {
        update(c, "INSERT INTO channels(template, channel, version, updated) VALUES (?,?,?,?) "
                + "ON CONFLICT(template, channel) DO UPDATE SET version = excluded.version, updated = excluded.updated",
                template, channel, version, Instant.now().toString());
    }

    // ---- clones ---------------------------------------------------------------------------

    /**
     * Records a clone. In the same transaction: the name must be free, and the parent version must
     * still exist (a concurrent {@code rm} of the version cannot slip in between).
     */
    public void addClone(CloneRecord r) {
        addClone(r, others -> Optional.empty());
    }

    /**
     * As {@link #addClone(CloneRecord)}; in the same transaction, {@code conflict} looks at the clones recorded so far
     * (their addresses and MACs, say) and, when it names a conflict, the clone is refused with it.
     */
    public void addClone(CloneRecord r, java.util.function.Function<List<CloneRecord>, Optional<String>> conflict) {
        tx(c -> {
            List<CloneRecord> others = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM clones ORDER BY name")) {
                while (rs.next()) others.add(cloneRecord(rs));
            }
            Optional<String> refused = conflict.apply(others);
            if (refused.isPresent()) throw new UserError(refused.get());
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM clones WHERE name = ?")) {
                p.setString(1, r.name());
                try (ResultSet rs = p.executeQuery()) { if (rs.next()) throw new UserError("clone '" + r.name() + "' already exists"); }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT state FROM versions WHERE name = ? AND version = ?")) {
                p.setString(1, r.template());
                p.setInt(2, r.version());
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next() || TemplateVersion.DELETING.equals(rs.getString(1))) {
                        throw new UserError("template version " + r.parentRef() + " was removed while cloning");
                    }
                }
            }
            insertClone(c, r);
            return null;
        });
    }

    private static void insertClone(Connection c, CloneRecord r) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO clones(name, template, version, storage, kind, created, vm_config, base_template, base_version) "
                        + "VALUES (?,?,?,?,?,?,?,?,?)")) {
            p.setString(1, r.name());
            p.setString(2, r.template());
            p.setInt(3, r.version());
            p.setString(4, r.storage());
            p.setString(5, r.kind().label());
            p.setString(6, r.created().toString());
            p.setString(7, r.vmConfigJson());
            boolean reads = r.kind().dependsOnTemplate();
            p.setString(8, reads ? r.template() : null);
            if (reads) p.setInt(9, r.version()); else p.setNull(9, java.sql.Types.INTEGER);
            p.executeUpdate();
        }
    }

    private static CloneRecord cloneRecord(ResultSet rs) throws SQLException {
        return new CloneRecord(rs.getString("name"), rs.getString("template"), rs.getInt("version"), rs.getString("storage"),
                CloneKind.valueOf(rs.getString("kind").toUpperCase()), Instant.parse(rs.getString("created")), rs.getString("vm_config"));
    }

    public Optional<CloneRecord> clone(String name) {
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT * FROM clones WHERE name = ?")) {
                p.setString(1, name);
                try (ResultSet rs = p.executeQuery()) { return rs.next() ? Optional.of(cloneRecord(rs)) : Optional.empty(); }
            }
        });
    }

    public List<CloneRecord> clones() {
        return read(c -> {
            List<CloneRecord> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM clones ORDER BY name")) {
                while (rs.next()) out.add(cloneRecord(rs));
            }
            return out;
        });
    }

    public List<CloneRecord> clonesOf(String template, int version) {
        return clones().stream().filter(r -> r.template().equals(template) && r.version() == version).toList();
    }

    public boolean deleteClone(String name) {
        return tx(c -> {
            return update(c, "DELETE FROM clones WHERE name = ?", name) > 0;
        });
    }

    // ---- builds ---------------------------------------------------------------------------

    /** Records a build as running; a build run again under its id (a fleet request delivered again) runs again. */
    public void buildStarted(String id, String recipe, Instant started) {
        tx(c -> {
            update(c, "INSERT INTO builds(id, recipe, status, started) VALUES (?,?,'running',?) "
                    + "ON CONFLICT(id) DO UPDATE SET status = 'running', finished = NULL, message = NULL",
                    id, recipe, started.toString());
            return null;
        });
    }

    public void buildFinished(String id, String status, String message, Instant finished) {
        tx(c -> {
            if (update(c, "UPDATE builds SET status = ?, message = ?, finished = ? WHERE id = ?",
                    status, message, finished.toString(), id) == 0) throw new SQLException("no build " + id);
            return null;
        });
    }

    /** Adds the builds the catalog lacks, keeping the rows it has (reindex: from their folders); returns how many. */
    public int restoreBuilds(List<BuildRecord> found) {
        return tx(c -> {
            int n = 0;
            for (BuildRecord b : found) {
                n += update(c, "INSERT INTO builds(id, recipe, status, started, finished, message) VALUES (?,?,?,?,?,?) "
                        + "ON CONFLICT(id) DO NOTHING", b.id(), b.recipe(), b.status(), b.started().toString(),
                        b.finished() == null ? null : b.finished().toString(), b.message());
            }
            return n;
        });
    }

    public List<BuildRecord> builds() {
        return read(c -> {
            List<BuildRecord> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM builds ORDER BY started DESC")) {
                while (rs.next()) {
                    String fin = rs.getString("finished");
                    out.add(new BuildRecord(rs.getString("id"), rs.getString("recipe"), rs.getString("status"),
                            Instant.parse(rs.getString("started")), fin == null ? null : Instant.parse(fin), rs.getString("message")));
                }
            }
            return out;
        });
    }

    // ---- reindex --------------------------------------------------------------------------

    /**
     * What the storages hold: each version's manifest (-> the storages holding it), each template's recorded
     * channels and revoked versions, and the whole clones (from their vm.json).
     */
    public record Inventory(Map<Manifest, List<String>> versions, Map<String, TemplateRecord> templates,
                            List<CloneRecord> clones) {
        public Inventory {
            versions = Map.copyOf(versions);
            templates = Map.copyOf(templates);
            clones = List.copyOf(clones);
        }
    }

    /** A template's channels and revoked versions as recorded on a storage ({@code template.json}). */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record TemplateRecord(Map<String, Integer> channels, List<Integer> revoked, Instant updated) {
        public TemplateRecord {
            channels = channels == null ? Map.of() : Map.copyOf(channels);
            revoked = revoked == null ? List.of() : List.copyOf(revoked);
        }
    }

    /**
     * What reindex did: versions present, channels dropped because their version is gone, channels and clones
     * brought back from the storages, versions kept although their files are gone (clones use them).
     */
    public record ReindexResult(int versions, List<String> droppedChannels, List<String> restoredChannels,
                                List<String> restoredClones, List<String> keptBroken) {
        public ReindexResult(int versions, List<String> droppedChannels) {
            this(versions, droppedChannels, List.of(), List.of(), List.of());
        }
    }

    /** As {@link #reindex(Inventory)} with versions only. */
    public ReindexResult reindex(Map<Manifest, List<String>> found) {
        return reindex(new Inventory(found, Map.of(), List.of()));
    }

    /**
     * Replaces the versions table with what the storages hold, keeping revoked flags (else those recorded on the
     * storage) and the channels whose versions still exist (a template without channels in the catalog gets
     * those recorded on the storage). Clones on the storages missing here are added. A version whose files are
     * gone stays, as broken, while clones read it; one being deleted stays being deleted. Version numbers stay
     * monotonic.
     */
    public ReindexResult reindex(Inventory found) {
        ReindexResult result = tx(c -> {
            Map<String, TemplateVersion> old = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM versions")) {
                while (rs.next()) {
                    TemplateVersion v = version(rs);
                    old.put(v.ref(), v);
                }
            }
            Map<String, Map<String, Integer>> oldChannels = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT template, channel, version FROM channels")) {
                while (rs.next()) oldChannels.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getInt(3));
            }
            List<CloneRecord> clones = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM clones")) {
                while (rs.next()) clones.add(cloneRecord(rs));
            }
            List<String> restoredClones = new ArrayList<>();
            for (CloneRecord r : found.clones()) {
                if (clones.stream().noneMatch(x -> x.name().equals(r.name()))) {
                    clones.add(r);
                    restoredClones.add(r.name() + " (" + r.kind().label() + " clone of " + r.parentRef() + ")");
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA defer_foreign_keys = ON");
                s.executeUpdate("DELETE FROM versions");
            }
            Map<String, TemplateVersion> present = new LinkedHashMap<>();
            for (Map.Entry<Manifest, List<String>> e : found.versions().entrySet()) {
                Manifest m = e.getKey();
                TemplateVersion before = old.get(m.ref());
                TemplateRecord recorded = found.templates().get(m.name());
                boolean revoked = before != null ? before.revoked() : recorded != null && recorded.revoked().contains(m.version());
                Instant created = m.createdAt() == null ? Instant.now() : m.createdAt();
                TemplateVersion v = new TemplateVersion(m.name(), m.version(), m.buildId(), e.getValue(), m, created, revoked,
                        before != null && before.deleting() ? TemplateVersion.DELETING : TemplateVersion.READY, null);
                insertVersion(c, v);
                present.put(v.ref(), v);
            }
            // versions gone from every storage that clones still read: kept, broken, so they are never removed under them
            List<String> keptBroken = new ArrayList<>();
            for (CloneRecord r : clones) {
                if (!r.kind().dependsOnTemplate() || present.containsKey(r.parentRef())) continue;
                TemplateVersion before = old.get(r.parentRef());
                Manifest m = before != null ? before.manifest() : Manifest.empty().withIdentity(r.template(), r.version(), r.created());
                TemplateVersion v = new TemplateVersion(r.template(), r.version(), m.buildId(),
                        before != null ? before.storages() : List.of(r.storage()), m, before != null ? before.created() : r.created(),
                        before != null && before.revoked(), TemplateVersion.BROKEN,
                        "its files are on no storage, but clones use it: " + r.name());
                insertVersion(c, v);
                present.put(v.ref(), v);
                keptBroken.add(v.ref());
            }
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM clones WHERE name = ?")) {
                for (CloneRecord r : clones) {
                    p.setString(1, r.name());
                    boolean there;
                    try (ResultSet rs = p.executeQuery()) { there = rs.next(); }
                    if (!there) insertClone(c, r);
                }
            }
            List<String> dropped = new ArrayList<>();
            oldChannels.forEach((t, chans) -> chans.forEach((ch, n) -> {
                if (!present.containsKey(t + ":" + n)) dropped.add(t + "@" + ch + " -> " + n);
            }));
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM channels WHERE NOT EXISTS "
                        + "(SELECT 1 FROM versions v WHERE v.name = channels.template AND v.version = channels.version)");
            }
            List<String> restored = new ArrayList<>();
            for (Map.Entry<String, TemplateRecord> e : found.templates().entrySet()) {
                if (oldChannels.containsKey(e.getKey())) continue; // the catalog's own channels win
                for (Map.Entry<String, Integer> ch : e.getValue().channels().entrySet()) {
                    if (!present.containsKey(e.getKey() + ":" + ch.getValue())) continue;
                    setChannel(c, e.getKey(), ch.getKey(), ch.getValue());
                    restored.add(e.getKey() + "@" + ch.getKey() + " -> " + ch.getValue());
                }
            }
            return new ReindexResult(found.versions().size(), dropped, restored, restoredClones, keptBroken);
        });
        for (String t : templateNames()) changed(t);
        return result;
    }
}
