package io.ingot.catalog;

import io.ingot.template.Manifest;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds the catalog's versions, channels and clones from what the storages hold ({@link Inventory}), in one
 * transaction. Everything but the build history can be rebuilt so.
 */
public final class Reindexer {
    private final Database db;

    public Reindexer(Database db) {
        this.db = db;
    }

    /**
     * Replaces the versions table with what the storages hold, keeping revoked flags (else those recorded on the
     * storage) and the channels whose versions still exist (a template without channels in the catalog gets
     * those recorded on the storage). Clones on the storages missing here are added. A version whose files are
     * gone stays, as broken, while clones read it; one being deleted stays being deleted. Version numbers stay
     * monotonic.
     */
    public ReindexResult reindex(Inventory found) {
        return db.tx(c -> {
            Map<String, TemplateVersion> old = new LinkedHashMap<>();
            for (TemplateVersion v : VersionStore.all(c)) old.put(v.ref(), v); // looked up by ref: order does not matter
            Map<String, Map<String, Integer>> oldChannels = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT template, channel, version FROM channels")) {
                while (rs.next()) oldChannels.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getInt(3));
            }
            List<CloneRecord> clones = new ArrayList<>(CloneStore.query(c, "SELECT * FROM clones"));
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
                VersionStore.insertVersion(c, v);
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
                VersionStore.insertVersion(c, v);
                present.put(v.ref(), v);
                keptBroken.add(v.ref());
            }
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM clones WHERE name = ?")) {
                for (CloneRecord r : clones) {
                    p.setString(1, r.name());
                    boolean there;
                    try (ResultSet rs = p.executeQuery()) { there = rs.next(); }
                    if (!there) CloneStore.insertClone(c, r);
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
                    ChannelStore.setChannel(c, e.getKey(), ch.getKey(), ch.getValue());
                    restored.add(e.getKey() + "@" + ch.getKey() + " -> " + ch.getValue());
                }
            }
            return new ReindexResult(found.versions().size(), dropped, restored, restoredClones, keptBroken);
        });
    }
}
