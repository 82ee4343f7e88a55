package io.ingot.catalog;

import io.ingot.util.UserError;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The catalog's table of deliveries: where template versions (and clones) were handed to other systems
 * ({@code ingot push}): the store of the table made by {@code catalog/V3__deliveries.sql}, over the catalog's database. A linked delivery keeps its version from being removed, like a linked clone ({@link #linkedUsers}).
 */
public final class Deliveries {
    private final Catalog catalog;

    public Deliveries(Catalog catalog) { this.catalog = catalog; }

    /**
     * Records a delivery; one already recorded under the same target, location and reference is replaced. A linked one
     * needs its version there and not being removed, checked in the same transaction (as a clone's row is).
     */
    public void record(DeliveryRecord d) {
        catalog.database().tx(c -> {
            if (d.linked()) {
                try (PreparedStatement p = c.prepareStatement("SELECT state FROM versions WHERE name = ? AND version = ?")) {
                    p.setString(1, d.template());
                    p.setInt(2, d.version());
                    try (ResultSet rs = p.executeQuery()) {
                        if (!rs.next() || TemplateVersion.DELETING.equals(rs.getString(1))) {
                            throw new UserError("template version " + d.versionRef() + " was removed while it was pushed");
                        }
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement("INSERT OR REPLACE INTO deliveries"
                    + "(target, location, reference, template, version, clone, linked, sha256, created) VALUES (?,?,?,?,?,?,?,?,?)")) {
                p.setString(1, d.target());
                p.setString(2, d.location());
                p.setString(3, d.reference());
                p.setString(4, d.template());
                p.setInt(5, d.version());
                p.setString(6, d.cloneName());
                p.setInt(7, d.linked() ? 1 : 0);
                p.setString(8, d.sha256());
                p.setString(9, d.created().toString());
                p.executeUpdate();
            }
            return null;
        });
    }

    /** Forgets a delivery (the copy is gone from the target); false when none was recorded. */
    public boolean forget(String target, String location, String reference) {
        return catalog.database().tx(c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM deliveries WHERE target = ? AND location = ? AND reference = ?")) {
                p.setString(1, target);
                p.setString(2, location);
                p.setString(3, reference);
                return p.executeUpdate() > 0;
            }
        });
    }

    public Optional<DeliveryRecord> find(String target, String location, String reference) {
        return catalog.database().read(c -> select(c, "SELECT * FROM deliveries WHERE target = ? AND location = ? AND reference = ?",
                target, location, reference)).stream().findFirst();
    }

    public List<DeliveryRecord> all() {
        return catalog.database().read(c -> select(c, "SELECT * FROM deliveries ORDER BY template, version, target, location, reference"));
    }

    public List<DeliveryRecord> of(String template, int version) {
        return catalog.database().read(c -> select(c, "SELECT * FROM deliveries WHERE template = ? AND version = ? ORDER BY target, location, reference",
                template, version));
    }

    /** Linked deliveries of a version, in the caller's transaction: what {@link VersionStore#markDeleting} refuses for. */
    static List<DeliveryRecord> linkedUsers(Connection c, String template, int version) throws SQLException {
        return select(c, "SELECT * FROM deliveries WHERE template = ? AND version = ? AND linked = 1 ORDER BY target, location, reference",
                template, version);
    }

    private static List<DeliveryRecord> select(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) p.setObject(i + 1, params[i]);
            List<DeliveryRecord> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeliveryRecord(rs.getString("target"), rs.getString("location"), rs.getString("reference"),
                            rs.getString("template"), rs.getInt("version"), rs.getString("clone"), rs.getInt("linked") != 0,
                            rs.getString("sha256"), Instant.parse(rs.getString("created"))));
                }
            }
            return out;
        }
    }
}
