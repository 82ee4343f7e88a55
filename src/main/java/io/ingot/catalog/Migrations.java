package io.ingot.catalog;

import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The catalog's schema as numbered SQL resources, {@code catalog/V<n>__<what>.sql}, applied in order in one
 * transaction to a file whose {@code PRAGMA user_version} is below {@code n}; the version then becomes the
 * highest number. A new table is one more resource (and its store class). Statements in a resource end with
 * {@code ;} at the end of a line.
 */
public final class Migrations {
    static final String FOLDER = "catalog";
    private static final Pattern NAME = Pattern.compile("V([1-9]\\d*)__[\\w-]+\\.sql");
    private static final Pattern END = Pattern.compile(";[ \\t]*(\\r?\\n|$)");

    /** One resource: its number, its name and its statements (read when they are applied: most opens apply none). */
    public record Migration(int version, String name, Supplier<List<String>> statements) { }

    private final List<Migration> all;

    public Migrations(List<Migration> all) {
        this.all = all.stream().sorted(Comparator.comparingInt(Migration::version)).toList();
        for (int i = 0; i < this.all.size(); i++) {
            if (this.all.get(i).version() != i + 1) {
                throw new IllegalStateException("catalog migrations are numbered 1, 2, 3... without gaps: " + names());
            }
        }
    }

    /** The resources under {@code catalog/} on the class path (a folder in development, ingot's jar otherwise). */
    public static Migrations fromClassPath() {
        List<Migration> found = new ArrayList<>();
        for (String name : resourceNames()) {
            Matcher m = NAME.matcher(name);
            if (m.matches()) found.add(new Migration(Integer.parseInt(m.group(1)), name, () -> statements(resource(name))));
        }
        return new Migrations(found);
    }

    private static String resource(String name) {
        try (InputStream in = Migrations.class.getResourceAsStream("/" + FOLDER + "/" + name)) {
            if (in == null) throw new IllegalStateException("cannot read " + FOLDER + "/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema version this ingot writes: the highest migration's number. */
    public int latest() { return all.size(); }

    public List<String> names() { return all.stream().map(Migration::name).toList(); }

    /** Brings the database up to {@link #latest}; refuses one newer than this ingot. */
    void apply(Database db) {
        // read commands open the catalog too: only take the write lock when there is something to do
        if (db.schemaVersion() == latest()) return;
        db.tx(c -> {
            int current = Database.userVersion(c);
            if (current > latest()) {
                throw new UserError("catalog " + db.file() + " has schema version " + current + ", newer than this ingot understands (" + latest() + ")");
            }
            if (current == latest()) return null;
            try (Statement s = c.createStatement()) {
                for (Migration m : all) {
                    if (m.version() <= current) continue;
                    for (String sql : m.statements().get()) s.execute(sql);
                }
                s.execute("PRAGMA user_version = " + latest());
            }
            return null;
        });
    }

    /** The statements of one resource; parts that are only comments are left out. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        for (String part : END.split(script)) {
            boolean code = part.lines().map(String::strip).anyMatch(l -> !l.isEmpty() && !l.startsWith("--"));
            if (code) out.add(part.strip());
        }
        return out;
    }

    /** Plain loops: every command opens the catalog, and this is on its way (read commands answer in a quarter second). */
    private static List<String> resourceNames() {
        List<String> names = new ArrayList<>();
        try {
            Path source = Path.of(Migrations.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(source)) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(source.resolve(FOLDER))) {
                    for (Path p : files) names.add(p.getFileName().toString());
                }
                return names;
            }
            String prefix = FOLDER + "/";
            try (JarFile jar = new JarFile(source.toFile())) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String n = e.nextElement().getName();
                    if (n.startsWith(prefix) && n.indexOf('/', prefix.length()) < 0 && n.length() > prefix.length()) names.add(n.substring(prefix.length()));
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the catalog's migrations: " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
