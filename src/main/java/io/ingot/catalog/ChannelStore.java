package io.ingot.catalog;

import io.ingot.template.TemplateRef;
import io.ingot.util.Conflict;
import io.ingot.util.NotFound;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.ingot.catalog.Database.update;

/** The table {@code channels}: which version each of a template's channels points at. */
public final class ChannelStore {
    private final Database db;

    public ChannelStore(Database db) {
        this.db = db;
    }

    /** Channel name -> version, for one template. */
    public Map<String, Integer> channels(String template) {
        return db.read(c -> channels(c, template));
    }

    static Map<String, Integer> channels(Connection c, String template) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT channel, version FROM channels WHERE template = ? ORDER BY channel")) {
            p.setString(1, template);
            Map<String, Integer> out = new LinkedHashMap<>();
            try (ResultSet rs = p.executeQuery()) { while (rs.next()) out.put(rs.getString(1), rs.getInt(2)); }
            return out;
        }
    }

    /** Points a channel at an existing, non-revoked version. */
    public void promote(String template, int version, String channel) {
        TemplateRef.checkName(channel, "channel name");
        db.tx(c -> {
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
    }

    static Integer channelVersion(Connection c, String template, String channel) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT version FROM channels WHERE template = ? AND channel = ?")) {
            p.setString(1, template);
            p.setString(2, channel);
            try (ResultSet rs = p.executeQuery()) { return rs.next() ? rs.getInt(1) : null; }
        }
    }

    static void setChannel(Connection c, String template, String channel, int version) throws SQLException {
        update(c, "INSERT INTO channels(template, channel, version, updated) VALUES (?,?,?,?) "
                + "ON CONFLICT(template, channel) DO UPDATE SET version = excluded.version, updated = excluded.updated",
                template, channel, version, Instant.now().toString());
    }
}
