package io.ingot.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.ingot.catalog.Database.update;

/** The table {@code builds}: the build history (each build's status, times and message). */
public final class BuildStore {
    private final Database db;

    public BuildStore(Database db) {
        this.db = db;
    }

    /** Records a build as running; a build run again under its id (a fleet request delivered again) runs again. */
    public void buildStarted(String id, String recipe, Instant started) {
        db.tx(c -> update(c, "INSERT INTO builds(id, recipe, status, started) VALUES (?,?,'running',?) "
                        + "ON CONFLICT(id) DO UPDATE SET status = 'running', finished = NULL, message = NULL",
                id, recipe, started.toString()));
    }

    public void buildFinished(String id, String status, String message, Instant finished) {
        db.tx(c -> {
            if (update(c, "UPDATE builds SET status = ?, message = ?, finished = ? WHERE id = ?",
                    status, message, finished.toString(), id) == 0) throw new SQLException("no build " + id);
            return null;
        });
    }

    /** Adds the builds the catalog lacks, keeping the rows it has (reindex: from their folders); returns how many. */
    public int restoreBuilds(List<BuildRecord> found) {
        return db.tx(c -> {
            int n = 0;
            for (BuildRecord b : found) {
                n += update(c, "INSERT INTO builds(id, recipe, status, started, finished, message) VALUES (?,?,?,?,?,?) "
                        + "ON CONFLICT(id) DO NOTHING", b.id(), b.recipe(), b.status(), b.started().toString(),
                        b.finished() == null ? null : b.finished().toString(), b.message());
            }
            return n;
        });
    }

    /** Every build, newest first. */
    public List<BuildRecord> builds() {
        return db.read(c -> {
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
}
