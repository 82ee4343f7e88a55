package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static io.ingot.catalog.Database.update;

/**
 * The tables {@code templates} (each template's next version number) and {@code versions}: numbers handed out,
 * versions recorded, adopted, resolved, revoked, marked broken or being deleted, and dropped.
 */
public final class VersionStore {
    private static final Logger LOG = LoggerFactory.getLogger(VersionStore.class);
    private final Database db;
    private final ChannelStore channels;

    public VersionStore(Database db, ChannelStore channels) {
        this.db = db;
        this.channels = channels;
    }

    /** Allocates the next version number of a template; monotonic, never handed out twice, even across processes. */
    public int reserveVersion(String template) {
        return db.tx(c -> {
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
        return db.tx(c -> {
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
            Integer at = ChannelStore.channelVersion(c, v.name(), channel);
            if (at != null && at > v.version()) return new ChannelMove(v.name(), channel, v.version(), at);
            ChannelStore.setChannel(c, v.name(), channel, v.version());
            return new ChannelMove(v.name(), channel, v.version(), v.version());
        });
    }

    /**
     * Adds a version found complete on its storages but missing from the catalog (its publish was killed between
     * the rename and the catalog row); channels are left where they were. False if it is there already.
     */
    public boolean adoptVersion(TemplateVersion v) {
        return db.tx(c -> {
            if (versionRow(c, v.name(), v.version()).isPresent()) return false;
            insertVersion(c, v);
            return true;
        });
    }

    static Optional<TemplateVersion> versionRow(Connection c, String name, int version) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT * FROM versions WHERE name = ? AND version = ?")) {
            p.setString(1, name);
            p.setInt(2, version);
            try (ResultSet rs = p.executeQuery()) { return rs.next() ? Optional.of(version(rs)) : Optional.empty(); }
        }
    }

    static void insertVersion(Connection c, TemplateVersion v) throws SQLException {
        update(c, "INSERT INTO templates(name, next_version, created) VALUES (?, ?, ?) "
                + "ON CONFLICT(name) DO UPDATE SET next_version = max(next_version, excluded.next_version)",
                v.name(), v.version() + 1, v.created().toString());
        update(c, "INSERT INTO versions(name, version, build_id, storage, manifest, created, revoked, state, problem) VALUES (?,?,?,?,?,?,?,?,?)",
                v.name(), v.version(), v.buildId(), String.join(",", v.storages()), v.manifest().toJson(), v.created().toString(),
                v.revoked() ? 1 : 0, v.state(), v.problem());
    }

    static TemplateVersion version(ResultSet rs) throws SQLException {
        try {
            return new TemplateVersion(rs.getString("name"), rs.getInt("version"), rs.getString("build_id"),
                    Arrays.asList(rs.getString("storage").split(",")), Manifest.fromJson(rs.getString("manifest")),
                    Instant.parse(rs.getString("created")), rs.getInt("revoked") != 0, rs.getString("state"),
                    rs.getString("problem"));
        } catch (IOException e) {
            throw new SQLException("bad manifest json for " + rs.getString("name") + ":" + rs.getInt("version"), e);
        }
    }

    /** Every row of the versions table, in no particular order (reindex). */
    static List<TemplateVersion> all(Connection c) throws SQLException {
        List<TemplateVersion> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM versions ORDER BY name, version")) {
            while (rs.next()) out.add(version(rs));
        }
        return out;
    }

    public Optional<TemplateVersion> version(String name, int version) {
        return db.read(c -> versionRow(c, name, version));
    }

    /** The versions of a template, oldest first. */
    public List<TemplateVersion> versions(String name) {
        return db.read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT * FROM versions WHERE name = ? ORDER BY version")) {
                p.setString(1, name);
                List<TemplateVersion> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) { while (rs.next()) out.add(version(rs)); }
                return out;
            }
        });
    }

    public List<TemplateVersion> allVersions() {
        return db.read(VersionStore::all);
    }

    /** Names of templates with at least one version. */
    public List<String> templateNames() {
        return db.read(c -> {
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
        Map<String, Integer> named = channels.channels(ref.name());
        if (ref.channel() != null) {
            Integer n = named.get(ref.channel());
            if (n == null) {
                throw new NotFound("template " + ref.name() + " has no channel '" + ref.channel() + "'"
                        + (named.isEmpty() ? "" : " (channels: " + String.join(", ", named.keySet()) + ")"));
            }
            TemplateVersion v = version(ref.name(), n).orElseThrow(() -> new UserError(ref + " points at missing version " + n));
            if (v.revoked()) throw new UserError(ref + " points at " + v.ref() + ", which is revoked");
            if (!TemplateVersion.READY.equals(v.state())) throw new UserError(ref + " points at " + v.ref() + ", which is " + v.state()
                    + (v.problem() != null ? ": " + v.problem() : ""));
            return v;
        }
        Integer latest = named.get("latest");
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
        db.tx(c -> {
            if (update(c, "UPDATE versions SET revoked = ? WHERE name = ? AND version = ?",
                    revoked ? 1 : 0, name, version) == 0) throw new NotFound("no template version " + name + ":" + version);
            return null;
        });
    }

    /**
     * Marks a version as being deleted after checking, in the same transaction, that no linked or memory clone
     * depends on it and (unless {@code force}, which then drops them) that no channel points at it. From then on
     * it resolves for nobody and no clone of it can be recorded; its row goes with {@link #dropVersion} once its
     * files are gone (a recovery step finishes the job if this process dies first).
     */
    public TemplateVersion markDeleting(String name, int version, boolean force) {
        return db.tx(c -> {
            TemplateVersion v = versionRow(c, name, version).orElseThrow(() -> new UserError("no template version " + name + ":" + version));
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
            List<DeliveryRecord> linked = Deliveries.linkedUsers(c, name, version);
            if (!linked.isEmpty()) {
                throw new UserError(name + ":" + version + " is the base image of " + String.join("; ",
                        linked.stream().map(d -> d.target() + " " + d.reference() + " at " + d.location()).toList())
                        + " (remove it there first; ingot rm forgets it once it is gone)");
            }
            List<String> on = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("SELECT channel FROM channels WHERE template = ? AND version = ? ORDER BY channel")) {
                p.setString(1, name);
                p.setInt(2, version);
                try (ResultSet rs = p.executeQuery()) { while (rs.next()) on.add(rs.getString(1)); }
            }
            if (!on.isEmpty() && !force) {
                throw new UserError(name + ":" + version + " is the version of channel" + (on.size() > 1 ? "s " : " ")
                        + String.join(", ", on) + "; promote another version first, or use --force to drop the channel" + (on.size() > 1 ? "s" : ""));
            }
            update(c, "DELETE FROM channels WHERE template = ? AND version = ?", name, version);
            update(c, "UPDATE versions SET state = 'deleting' WHERE name = ? AND version = ?", name, version);
            return v;
        });
    }

    /** Deletes the row of a version marked {@link #markDeleting deleting}, whose files are gone. */
    public void dropVersion(String name, int version) {
        db.tx(c -> update(c, "DELETE FROM versions WHERE name = ? AND version = ? AND state = 'deleting'", name, version));
    }

    /** Versions in one state ({@link TemplateVersion#DELETING}, ...), all templates. */
    public List<TemplateVersion> versionsIn(String state) {
        return allVersions().stream().filter(v -> v.state().equals(state)).toList();
    }

    /** Marks a version broken ({@code problem} says why) or, with null, ready again; no effect on one being deleted. */
    public void markProblem(String name, int version, String problem) {
        db.tx(c -> update(c, "UPDATE versions SET state = ?, problem = ? WHERE name = ? AND version = ? AND state != 'deleting'",
                problem == null ? TemplateVersion.READY : TemplateVersion.BROKEN, problem, name, version));
    }
}
