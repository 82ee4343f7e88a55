package io.ingot.catalog;

import io.ingot.util.UserError;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static io.ingot.catalog.Database.update;

/** The table {@code clones}: each clone, its parent version and, for linked and memory ones, the version it reads. */
public final class CloneStore {
    private final Database db;

    public CloneStore(Database db) {
        this.db = db;
    }

    /**
     * Records a clone. In the same transaction: the name must be free, and the parent version must
     * still exist (a concurrent {@code rm} of the version cannot slip in between); {@code conflict} looks at the
     * clones recorded so far (their addresses and MACs, say) and, when it names a conflict, the clone is refused
     * with it.
     */
    public void addClone(CloneRecord r, Function<List<CloneRecord>, Optional<String>> conflict) {
        db.tx(c -> {
            Optional<String> refused = conflict.apply(all(c));
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

    static void insertClone(Connection c, CloneRecord r) throws SQLException {
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
            if (reads) p.setInt(9, r.version()); else p.setNull(9, Types.INTEGER);
            p.executeUpdate();
        }
    }

    private static CloneRecord cloneRecord(ResultSet rs) throws SQLException {
        return new CloneRecord(rs.getString("name"), rs.getString("template"), rs.getInt("version"), rs.getString("storage"),
                CloneKind.valueOf(rs.getString("kind").toUpperCase()), Instant.parse(rs.getString("created")), rs.getString("vm_config"));
    }

    /** Every clone, by name. */
    static List<CloneRecord> all(Connection c) throws SQLException {
        return query(c, "SELECT * FROM clones ORDER BY name");
    }

    /** The clones a query of whole rows finds. */
    static List<CloneRecord> query(Connection c, String sql) throws SQLException {
        List<CloneRecord> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(cloneRecord(rs));
        }
        return out;
    }

    public Optional<CloneRecord> clone(String name) {
        return db.read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT * FROM clones WHERE name = ?")) {
                p.setString(1, name);
                try (ResultSet rs = p.executeQuery()) { return rs.next() ? Optional.of(cloneRecord(rs)) : Optional.empty(); }
            }
        });
    }

    public List<CloneRecord> clones() {
        return db.read(CloneStore::all);
    }

    public List<CloneRecord> clonesOf(String template, int version) {
        return clones().stream().filter(r -> r.template().equals(template) && r.version() == version).toList();
    }

    public boolean deleteClone(String name) {
        return db.tx(c -> update(c, "DELETE FROM clones WHERE name = ?", name) > 0);
    }
}
