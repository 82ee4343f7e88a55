package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The catalog: an embedded SQLite database ({@code <images>/catalog.db}) of templates, versions, channels, clones
 * and builds, and the one door to it for the rest of ingot. The file and its connection are a {@link Database},
 * its schema numbered SQL resources ({@link Migrations}), each table's rows a store ({@link VersionStore},
 * {@link ChannelStore}, {@link CloneStore}, {@link BuildStore}) and the rebuild from the storages a
 * {@link Reindexer}; this class puts them together and tells its {@link TemplateListener} of every change to a
 * template's channels or revoked versions (the storages keep a copy, {@code template.json}, for reindex).
 * A new table is a {@code catalog/V<n>__*.sql} resource and a store class over {@link #database()}.
 */
public final class Catalog {
    public static final String FILE_NAME = "catalog.db";
    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

    private final Database db;
    private final TemplateListener listener;
    private final VersionStore versions;
    private final ChannelStore channels;
    private final CloneStore clones;
    private final BuildStore builds;
    private final Reindexer reindexer;

    public Catalog(Database db, TemplateListener listener) {
        this.db = db;
        this.listener = listener;
        this.channels = new ChannelStore(db);
        this.versions = new VersionStore(db, channels);
        this.clones = new CloneStore(db);
        this.builds = new BuildStore(db);
        this.reindexer = new Reindexer(db);
    }

    /** Opens (creating or migrating) the catalog database. */
    public static Catalog open(Path file) {
        return open(file, TemplateListener.NONE);
    }

    /** Opens the catalog; {@code listener} hears of every change to a template's channels or revoked versions. */
    public static Catalog open(Path file, TemplateListener listener) {
        return new Catalog(Database.open(file, Migrations.fromClassPath()), listener);
    }

    /** The database under the stores, for a store of a new table. */
    public Database database() { return db; }

    public Path file() { return db.file(); }

    public int schemaVersion() { return db.schemaVersion(); }

    /** Closes the kept connection (the last one to close folds the WAL into catalog.db); the next call opens a new one. */
    public void close() { db.close(); }

    private void changed(String template) {
        try {
            listener.changed(this, template);
        } catch (RuntimeException e) {
            // the copy on the storages is a convenience for reindex: a failure to write it must not undo a change
            LOG.warn("cannot record the channels of {} on its storages: {}", template, e.getMessage());
        }
    }

    // ---- versions -------------------------------------------------------------------------

    public int reserveVersion(String template) { return versions.reserveVersion(template); }

    /** @see VersionStore#addVersion */
    public ChannelMove addVersion(TemplateVersion v, String channel) {
        ChannelMove move = versions.addVersion(v, channel);
        changed(v.name());
        return move;
    }

    /** @see VersionStore#adoptVersion */
    public boolean adoptVersion(TemplateVersion v) {
        // no listener call: channels and revocations stay as the storages record them
        return versions.adoptVersion(v);
    }

    public Optional<TemplateVersion> version(String name, int version) { return versions.version(name, version); }

    /** The versions of a template, oldest first. */
    public List<TemplateVersion> versions(String name) { return versions.versions(name); }

    public List<TemplateVersion> allVersions() { return versions.allVersions(); }

    /** Names of templates with at least one version. */
    public List<String> templateNames() { return versions.templateNames(); }

    /** @see VersionStore#resolve */
    public TemplateVersion resolve(TemplateRef ref) { return versions.resolve(ref); }

    public void revoke(String name, int version, boolean revoked) {
        versions.revoke(name, version, revoked);
        changed(name);
    }

    /** @see VersionStore#markDeleting */
    public TemplateVersion markDeleting(String name, int version, boolean force) {
        TemplateVersion marked = versions.markDeleting(name, version, force);
        changed(name);
        return marked;
    }

    /** Deletes the row of a version marked deleting, whose files are gone. */
    public void dropVersion(String name, int version) {
        versions.dropVersion(name, version);
        changed(name);
    }

    public List<TemplateVersion> versionsIn(String state) { return versions.versionsIn(state); }

    /** @see VersionStore#markProblem */
    public void markProblem(String name, int version, String problem) { versions.markProblem(name, version, problem); }

    // ---- channels -------------------------------------------------------------------------

    /** Channel name -> version, for one template. */
    public Map<String, Integer> channels(String template) { return channels.channels(template); }

    /** Points a channel at an existing, non-revoked version. */
    public void promote(String template, int version, String channel) {
        channels.promote(template, version, channel);
        changed(template);
    }

    // ---- clones ---------------------------------------------------------------------------

    /**
     * Records a clone. In the same transaction: the name must be free, and the parent version must
     * still exist (a concurrent {@code rm} of the version cannot slip in between).
     */
    public void addClone(CloneRecord r) { clones.addClone(r, others -> Optional.empty()); }

    /** As {@link #addClone(CloneRecord)}, refused with what {@code conflict} finds among the clones recorded so far. */
    public void addClone(CloneRecord r, Function<List<CloneRecord>, Optional<String>> conflict) { clones.addClone(r, conflict); }

    public Optional<CloneRecord> clone(String name) { return clones.clone(name); }

    public List<CloneRecord> clones() { return clones.clones(); }

    public List<CloneRecord> clonesOf(String template, int version) { return clones.clonesOf(template, version); }

    public boolean deleteClone(String name) { return clones.deleteClone(name); }

    // ---- builds ---------------------------------------------------------------------------

    public void buildStarted(String id, String recipe, Instant started) { builds.buildStarted(id, recipe, started); }

    public void buildFinished(String id, String status, String message, Instant finished) {
        builds.buildFinished(id, status, message, finished);
    }

    public int restoreBuilds(List<BuildRecord> found) { return builds.restoreBuilds(found); }

    /** Every build, newest first. */
    public List<BuildRecord> builds() { return builds.builds(); }

    // ---- reindex --------------------------------------------------------------------------

    /** As {@link #reindex(Inventory)} with versions only. */
    public ReindexResult reindex(Map<Manifest, List<String>> found) {
        return reindex(new Inventory(found, Map.of(), List.of()));
    }

    /** @see Reindexer#reindex */
    public ReindexResult reindex(Inventory found) {
        ReindexResult result = reindexer.reindex(found);
        for (String t : templateNames()) changed(t);
        return result;
    }
}
