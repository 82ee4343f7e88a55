package io.ingot.catalog;

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
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The catalog's SQLite file and its one connection: WAL mode and a busy timeout let several CLI processes and
 * the daemon share it; every write is one {@code BEGIN IMMEDIATE} transaction ({@link #tx}), so writers queue
 * instead of failing on a lock upgrade, and is copied into the file at once (a checkpoint). One kept connection,
 * used by one thread at a time, serves the process. A damaged file is reported as {@link Damaged}, never as
 * SQLite's error.
 */
public final class Database {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;

    private final Path file;
    private final String url;
    private final Properties props;
    private final Object lock = new Object();
    private Connection connection;

    private Database(Path file) {
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

    /** Opens the database, making it (with {@code migrations} applied) when it is missing, and brings it up to date. */
    public static Database open(Path file, Migrations migrations) {
        Path abs = file.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
            if (!Files.exists(abs)) create(abs, migrations);
            // SQLite takes an empty file for a new database (and deletes its WAL): ingot never leaves one, so it lost its content
            if (Files.size(abs) == 0) throw new Damaged(abs, "it is empty: 0 bytes");
        } catch (NoSuchFileException e) {
            throw new Damaged(abs, "it vanished while it was opened");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Database db = new Database(abs);
        migrations.apply(db);
        return db;
    }

    /**
     * Makes a new database under a temporary name and links it into place whole, so that an empty catalog.db is
     * never ingot's own (a process killed while making one leaves only the temporary file). Another process
     * making it at the same time wins harmlessly.
     */
    private static void create(Path file, Migrations migrations) throws IOException {
        removeDeadAttempts(file);
        // createFile, not createTempFile: the file keeps the umask's mode, as SQLite would make it
        Path tmp = Files.createFile(file.resolveSibling(file.getFileName() + ".new-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
        try {
            Database fresh = new Database(tmp);
            migrations.apply(fresh);
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

    /** The temporary files of processes killed while they made the database ({@code NAME.new-PID-*}). */
    private static void removeDeadAttempts(Path file) throws IOException {
        Pattern attempt = Pattern.compile(Pattern.quote(file.getFileName().toString()) + "\\.new-(\\d+)-\\d+(-wal|-shm)?");
        try (Stream<Path> siblings = Files.list(file.getParent())) {
            for (Path p : siblings.toList()) {
                Matcher m = attempt.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(h -> !h.isAlive()).orElse(true)) Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Whether SQLite finds the database file sound ({@code PRAGMA quick_check}); false also when it cannot
     * read it at all, and for an empty file.
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
     * Renames a damaged database (with its WAL and shared-memory files) to {@code NAME.damaged-TIME}, never
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

    /** Work on the connection, in a transaction ({@link #tx}) or not ({@link #read}). */
    @FunctionalInterface
    public interface Work<T> { T run(Connection c) throws SQLException; }

    /**
     * The one connection, opened on first use and kept: opening one (and, closing the last one, the checkpoint
     * and fsync SQLite does then) costs more than the statements of a clone. Calls are serialised on it.
     */
    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) connection = DriverManager.getConnection(url, props);
        return connection;
    }

    /** Runs work in one immediate transaction, then copies it into the file. */
    public <T> T tx(Work<T> work) {
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

    /** Runs work that only reads. */
    public <T> T read(Work<T> work) {
        synchronized (lock) {
            try {
                return work.run(connection());
            } catch (SQLException e) {
                dropConnection();
                throw failure(e);
            }
        }
    }

    /**
     * Copies the WAL into the file after each write, so that a copy of the file alone (a backup) holds every
     * change: without it the changes live in the -wal file until SQLite's own checkpoint, up to a thousand pages
     * later. FULL waits (busy timeout) for other processes' readers of an older snapshot, which are short.
     */
    private void checkpoint(Connection c) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(FULL)")) {
            if (rs.next() && rs.getInt(1) != 0) LOG.debug("checkpoint of {} not complete: other processes busy", file);
        } catch (SQLException e) {
            // the change is committed (in the WAL); the next write's checkpoint copies it
            LOG.warn("cannot checkpoint {}: {}", file, e.getMessage());
        }
    }

    private static void rollback(Connection c) {
        try (Statement s = c.createStatement()) {
            if (!c.isClosed()) s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction left to roll back (SQLite ends some on error by itself)
        }
    }

    /** Closes the kept connection (the last one to close folds the WAL into the file); the next call opens a new one. */
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

    /** The schema version recorded in the file ({@code PRAGMA user_version}): the number of the last migration applied. */
    public int schemaVersion() {
        return read(Database::userVersion);
    }

    static int userVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }

    /** Runs one INSERT, UPDATE or DELETE with its parameters in order; returns the rows it changed. */
    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) p.setObject(i + 1, params[i]);
            return p.executeUpdate();
        }
    }

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
}
