package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Conflict;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
 * failing on a lock upgrade. One connection per operation keeps it safe across threads.
 */
public final class Catalog {
    public static final String FILE_NAME = "catalog.db";
    static final int SCHEMA_VERSION = 1;

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

    private final Path file;
    private final String url;
    private final java.util.Properties props;

    private Catalog(Path file) {
        this.file = file;
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
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Catalog c = new Catalog(file.toAbsolutePath());
        c.migrate();
        return c;
    }

    public Path file() { return file; }

    @FunctionalInterface
    interface Work<T> { T run(Connection c) throws SQLException; }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, props);
    }

    /** Runs work in one immediate transaction. */
    <T> T tx(Work<T> work) {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new CatalogException("catalog " + file + ": " + e.getMessage(), e);
        }
    }

    <T> T read(Work<T> work) {
        try (Connection c = connect()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new CatalogException("catalog " + file + ": " + e.getMessage(), e);
        }
    }

    /** A database failure (not the user's fault). */
    public static final class CatalogException extends RuntimeException {
        CatalogException(String message, Throwable cause) { super(message, cause); }
    }

    private void migrate() {
        tx(c -> {
            int current;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                current = rs.getInt(1);
            }
            if (current > SCHEMA_VERSION) {
                throw new UserError("catalog " + file + " has schema version " + current + ", newer than this ingot understands (" + SCHEMA_VERSION + ")");
            }
            try (Statement s = c.createStatement()) {
                if (current < 1) for (String ddl : SCHEMA_V1) s.execute(ddl);
                // later migrations: if (current < 2) { ... }
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

    // ---- versions -------------------------------------------------------------------------

    /** Allocates the next version number of a template; monotonic, never handed out twice, even across processes. */
    public int reserveVersion(String template) {
        return tx(c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO templates(name, next_version, created) VALUES (?, 1, ?) ON CONFLICT(name) DO NOTHING")) {
                p.setString(1, template);
                p.setString(2, Instant.now().toString());
                p.executeUpdate();
            }
            int next;
            try (PreparedStatement p = c.prepareStatement("SELECT next_version FROM templates WHERE name = ?")) {
                p.setString(1, template);
                try (ResultSet rs = p.executeQuery()) { rs.next(); next = rs.getInt(1); }
            }
            try (PreparedStatement p = c.prepareStatement("UPDATE templates SET next_version = ? WHERE name = ?")) {
                p.setInt(1, next + 1);
                p.setString(2, template);
                p.executeUpdate();
            }
            return next;
        });
    }

    /** Records a published version and points the channel (if any) at it, in one transaction. */
    public void addVersion(TemplateVersion v, String channel) {
        tx(c -> {
            insertVersion(c, v);
            if (channel != null) setChannel(c, v.name(), channel, v.version());
            return null;
        });
    }

    private static void insertVersion(Connection c, TemplateVersion v) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO templates(name, next_version, created) VALUES (?, ?, ?) "
                        + "ON CONFLICT(name) DO UPDATE SET next_version = max(next_version, excluded.next_version)")) {
            p.setString(1, v.name());
            p.setInt(2, v.version() + 1);
            p.setString(3, v.created().toString());
            p.executeUpdate();
        }
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO versions(name, version, build_id, storage, manifest, created, revoked) VALUES (?,?,?,?,?,?,?)")) {
            p.setString(1, v.name());
            p.setInt(2, v.version());
            p.setString(3, v.buildId());
            p.setString(4, String.join(",", v.storages()));
            p.setString(5, v.manifest().toJson());
            p.setString(6, v.created().toString());
            p.setInt(7, v.revoked() ? 1 : 0);
            p.executeUpdate();
        }
    }

    private static TemplateVersion version(ResultSet rs) throws SQLException {
        try {
            return new TemplateVersion(rs.getString("name"), rs.getInt("version"), rs.getString("build_id"),
                    Arrays.asList(rs.getString("storage").split(",")), Manifest.fromJson(rs.getString("manifest")),
                    Instant.parse(rs.getString("created")), rs.getInt("revoked") != 0);
        } catch (IOException e) {
            throw new SQLException("bad manifest json for " + rs.getString("name") + ":" + rs.getInt("version"), e);
        }
    }

    public Optional<TemplateVersion> version(String name, int version) {
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT * FROM versions WHERE name = ? AND version = ?")) {
                p.setString(1, name);
                p.setInt(2, version);
                try (ResultSet rs = p.executeQuery()) { return rs.next() ? Optional.of(version(rs)) : Optional.empty(); }
            }
        });
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
                    .orElseThrow(() -> new NotFound("no template version " + ref + " (see: ingot versions " + ref.name() + ")"));
            if (v.revoked()) throw new UserError("template version " + ref + " is revoked");
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
            return v;
        }
        Integer latest = channels.get("latest");
        if (latest != null) {
            Optional<TemplateVersion> v = version(ref.name(), latest);
            if (v.isPresent() && !v.get().revoked()) return v.get();
        }
        List<TemplateVersion> all = versions(ref.name());
        for (int i = all.size() - 1; i >= 0; i--) if (!all.get(i).revoked()) return all.get(i);
        if (all.isEmpty()) throw new NotFound("no template '" + ref.name() + "' (see: ingot templates)");
        throw new UserError("template '" + ref.name() + "' has only revoked versions");
    }

    public void revoke(String name, int version, boolean revoked) {
        tx(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE versions SET revoked = ? WHERE name = ? AND version = ?")) {
                p.setInt(1, revoked ? 1 : 0);
                p.setString(2, name);
                p.setInt(3, version);
                if (p.executeUpdate() == 0) throw new NotFound("no template version " + name + ":" + version);
            }
            return null;
        });
    }

    /**
     * Deletes a version's row after checking, in the same transaction, that no linked or memory clone
     * depends on it and (unless {@code force}, which then drops them) that no channel points at it.
     */
    public TemplateVersion deleteVersion(String name, int version, boolean force) {
        return tx(c -> {
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
            try (PreparedStatement p = c.prepareStatement("DELETE FROM channels WHERE template = ? AND version = ?")) {
                p.setString(1, name);
                p.setInt(2, version);
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("DELETE FROM versions WHERE name = ? AND version = ?")) {
                p.setString(1, name);
                p.setInt(2, version);
                p.executeUpdate();
            }
            return v;
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
            try (PreparedStatement p = c.prepareStatement("SELECT revoked FROM versions WHERE name = ? AND version = ?")) {
                p.setString(1, template);
                p.setInt(2, version);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) throw new NotFound("no template version " + template + ":" + version);
                    if (rs.getInt(1) != 0) throw new Conflict("template version " + template + ":" + version + " is revoked; it cannot be promoted");
                }
            }
            setChannel(c, template, channel, version);
            return null;
        });
    }

    private static void setChannel(Connection c, String template, String channel, int version) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO channels(template, channel, version, updated) VALUES (?,?,?,?) "
                        + "ON CONFLICT(template, channel) DO UPDATE SET version = excluded.version, updated = excluded.updated")) {
            p.setString(1, template);
            p.setString(2, channel);
            p.setInt(3, version);
            p.setString(4, Instant.now().toString());
            p.executeUpdate();
        }
    }

    // ---- clones ---------------------------------------------------------------------------

    /**
     * Records a clone. In the same transaction: the name must be free, and the parent version must
     * still exist (a concurrent {@code rm} of the version cannot slip in between).
     */
    public void addClone(CloneRecord r) {
        tx(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM clones WHERE name = ?")) {
                p.setString(1, r.name());
                try (ResultSet rs = p.executeQuery()) { if (rs.next()) throw new UserError("clone '" + r.name() + "' already exists"); }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM versions WHERE name = ? AND version = ?")) {
                p.setString(1, r.template());
                p.setInt(2, r.version());
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) throw new UserError("template version " + r.parentRef() + " was removed while cloning");
                }
            }
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO clones(name, template, version, storage, kind, created, vm_config) VALUES (?,?,?,?,?,?,?)")) {
                p.setString(1, r.name());
                p.setString(2, r.template());
                p.setInt(3, r.version());
                p.setString(4, r.storage());
                p.setString(5, r.kind().label());
                p.setString(6, r.created().toString());
                p.setString(7, r.vmConfigJson());
                p.executeUpdate();
            }
            return null;
        });
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
            try (PreparedStatement p = c.prepareStatement("DELETE FROM clones WHERE name = ?")) {
                p.setString(1, name);
                return p.executeUpdate() > 0;
            }
        });
    }

    // ---- builds ---------------------------------------------------------------------------

    /** Records a build as running; a build run again under its id (a fleet request delivered again) runs again. */
    public void buildStarted(String id, String recipe, Instant started) {
        tx(c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO builds(id, recipe, status, started) VALUES (?,?,'running',?) "
                    + "ON CONFLICT(id) DO UPDATE SET status = 'running', finished = NULL, message = NULL")) {
                p.setString(1, id);
                p.setString(2, recipe);
                p.setString(3, started.toString());
                p.executeUpdate();
            }
            return null;
        });
    }

    public void buildFinished(String id, String status, String message, Instant finished) {
        tx(c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE builds SET status = ?, message = ?, finished = ? WHERE id = ?")) {
                p.setString(1, status);
                p.setString(2, message);
                p.setString(3, finished.toString());
                p.setString(4, id);
                if (p.executeUpdate() == 0) throw new SQLException("no build " + id);
            }
            return null;
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

    /** What reindex found: versions present, channels dropped because their version is gone. */
    public record ReindexResult(int versions, List<String> droppedChannels) { }

    /**
     * Replaces the versions table with what the storages hold (manifest -> storages holding it), keeping
     * revoked flags and the channels whose versions still exist. Version numbers stay monotonic.
     */
    public ReindexResult reindex(Map<Manifest, List<String>> found) {
        return tx(c -> {
            Map<String, Boolean> revoked = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, version, revoked FROM versions")) {
                while (rs.next()) revoked.put(rs.getString(1) + ":" + rs.getInt(2), rs.getInt(3) != 0);
            }
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA defer_foreign_keys = ON");
                s.executeUpdate("DELETE FROM versions");
            }
            for (Map.Entry<Manifest, List<String>> e : found.entrySet()) {
                Manifest m = e.getKey();
                Instant created = m.createdAt() == null ? Instant.now() : m.createdAt();
                insertVersion(c, new TemplateVersion(m.name(), m.version(), m.buildId(), e.getValue(), m, created,
                        revoked.getOrDefault(m.ref(), false)));
            }
            List<String> dropped = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT template, channel, version FROM channels c WHERE NOT EXISTS "
                            + "(SELECT 1 FROM versions v WHERE v.name = c.template AND v.version = c.version)")) {
                while (rs.next()) dropped.add(rs.getString(1) + "@" + rs.getString(2) + " -> " + rs.getInt(3));
            }
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM channels WHERE NOT EXISTS "
                        + "(SELECT 1 FROM versions v WHERE v.name = channels.template AND v.version = channels.version)");
            }
            return new ReindexResult(found.size(), dropped);
        });
    }
}
