package io.ingot.media;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Debian archives a host's apt uses, read from its sources as apt reads them: the one-line
 * {@code /etc/apt/sources.list}, then {@code /etc/apt/sources.list.d/} in name order ({@code *.list} one-line,
 * {@code *.sources} deb822). Only binary ({@code deb}) entries on http or https count: {@code deb-src}, cdrom:,
 * file: and other methods, {@code Enabled: no} paragraphs and comments are skipped. ingot builds its media from
 * the archive the host already uses, so a site's mirror or proxy is used as it is.
 */
public final class AptSources {
    /** What apt itself reads in sources.list.d/ (other names, such as {@code x.list.disabled}, it ignores). */
    private static final Pattern PART_NAME = Pattern.compile("[A-Za-z0-9_.-]+\\.(list|sources)");
    /** {@code deb [options] uri suite [component...]} */
    private static final Pattern ONE_LINE = Pattern.compile("(\\S+)\\s+(?:\\[([^\\]]*)\\]\\s*)?(\\S+)\\s+(\\S+)\\s*(.*)");

    /**
     * One archive a sources file names: its URI (without a trailing slash), suites, components, the keyring of
     * its {@code signed-by} (a file path; null when absent or an inline key) and the file and line it is on.
     */
    public record Entry(String uri, List<String> suites, List<String> components, String signedBy, Path file, int line) {
        public Entry {
            suites = List.copyOf(suites);
            components = List.copyOf(components);
        }

        /** {@code file:line}, for messages. */
        public String where() { return file + ":" + line; }

        /** The security archive: a {@code *-security} suite, or a URI whose path ends in debian-security. */
        public boolean isSecurity() {
            return suites.stream().anyMatch(s -> s.endsWith("-security")) || path().endsWith("debian-security");
        }

        /** Debian's main archive by its URI: the path ends in /debian (deb.debian.org, a mirror, a proxy's path). */
        boolean pathIsDebian() { return path().endsWith("/debian"); }

        private String path() {
            String p = URI.create(uri).getPath();
            return p == null ? "" : p;
        }
    }

    private final List<Entry> entries;

    public AptSources(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The entries in the order apt reads them. */
    public List<Entry> entries() { return entries; }

    /**
     * Reads the sources of the system whose root is {@code root} ({@code /} on the host). A file that cannot be
     * read is passed over: what remains may still name an archive.
     */
    public static AptSources read(Path root) {
        Path etc = root.resolve("etc/apt");
        List<Path> files = new ArrayList<>();
        files.add(etc.resolve("sources.list"));
        Path parts = etc.resolve("sources.list.d");
        if (Files.isDirectory(parts)) {
            try (Stream<Path> list = Files.list(parts)) {
                list.filter(p -> PART_NAME.matcher(p.getFileName().toString()).matches())
                        .sorted().forEach(files::add);
            } catch (IOException e) {
                // no parts: sources.list alone
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) continue;
            try {
                String text = Files.readString(file);
                entries.addAll(file.getFileName().toString().endsWith(".sources") ? parseDeb822(file, text) : parseOneLine(file, text));
            } catch (IOException e) {
                // unreadable (or not UTF-8): apt would complain about it; ingot looks at the other files
            }
        }
        return new AptSources(entries);
    }

    /** Entries of a one-line style file ({@code sources.list}, {@code *.list}). */
    static List<Entry> parseOneLine(Path file, String text) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            Matcher m = ONE_LINE.matcher(line.strip());
            if (!m.matches() || !m.group(1).equals("deb") || !usable(m.group(3))) continue;
            Map<String, String> options = new LinkedHashMap<>();
            if (m.group(2) != null) {
                for (String option : m.group(2).trim().split("\\s+")) {
                    int eq = option.indexOf('=');
                    if (eq > 0) options.put(option.substring(0, eq).toLowerCase(Locale.ROOT), option.substring(eq + 1));
                }
            }
            entries.add(new Entry(stripSlash(m.group(3)), List.of(m.group(4)), words(m.group(5)),
                    keyring(options.get("signed-by")), file, i + 1));
        }
        return entries;
    }

    /** Entries of a deb822 style file ({@code *.sources}): paragraphs of fields, one entry per binary URI. */
    static List<Entry> parseDeb822(Path file, String text) {
        List<Entry> entries = new ArrayList<>();
        Map<String, String> fields = new LinkedHashMap<>();
        Map<String, Integer> fieldLines = new LinkedHashMap<>();
        String last = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : "";
            if (line.startsWith("#")) continue; // a comment neither ends a paragraph nor a field
            if (line.isBlank()) {
                if (!fields.isEmpty()) paragraph(file, fields, fieldLines, entries);
                fields.clear();
                fieldLines.clear();
                last = null;
            } else if (Character.isWhitespace(line.charAt(0))) {
                if (last != null) fields.merge(last, "\n" + line.strip(), String::concat); // continuation (inline keys)
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0) continue; // not a field: apt would refuse the file, ingot passes the line over
                last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                fields.put(last, line.substring(colon + 1).strip());
                fieldLines.put(last, i + 1);
            }
        }
        return entries;
    }

    private static void paragraph(Path file, Map<String, String> fields, Map<String, Integer> lines, List<Entry> entries) {
        String enabled = fields.getOrDefault("enabled", "yes").strip().toLowerCase(Locale.ROOT);
        if (enabled.equals("no") || enabled.equals("false") || enabled.equals("0")) return;
        if (!words(fields.get("types")).contains("deb")) return;
        List<String> suites = words(fields.get("suites"));
        if (suites.isEmpty()) return;
        int line = lines.getOrDefault("uris", lines.values().stream().findFirst().orElse(1));
        for (String uri : words(fields.get("uris"))) {
            if (!usable(uri)) continue;
            entries.add(new Entry(stripSlash(uri), suites, words(fields.get("components")),
                    keyring(fields.get("signed-by")), file, line));
        }
    }

    /**
     * The main archive for a system of one of {@code releaseSuites}: an entry with the main component (Debian's
     * archive has it; docker's {@code .../linux/debian bookworm stable} has not) whose URI path ends in /debian,
     * preferring one that also has such a suite, else one with such a suite; the first of equals, in apt's order.
     * Security entries never count.
     */
    public Optional<Entry> archive(Collection<String> releaseSuites) {
        Entry best = null;
        int bestScore = 0;
        for (Entry e : entries) {
            if (e.isSecurity() || !e.components().contains("main")) continue;
            boolean suite = e.suites().stream().anyMatch(releaseSuites::contains);
            int score = (e.pathIsDebian() ? 2 : 0) + (suite ? 1 : 0);
            if (score > bestScore) {
                best = e;
                bestScore = score;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The security archive: the first entry with a {@code *-security} suite or a URI ending in debian-security. */
    public Optional<Entry> security() {
        return entries.stream().filter(Entry::isSecurity).findFirst();
    }

    /** Only archives ingot can read with its HTTP client and mmdebstrap: http and https (not cdrom:, file:, mirror+...). */
    private static boolean usable(String uri) {
        String lower = uri.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) return false;
        try {
            return URI.create(uri).getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A signed-by that names a keyring file (the first, if several); null for fingerprints or an inline key. */
    private static String keyring(String signedBy) {
        if (signedBy == null) return null;
        String first = signedBy.strip().split("[,\\s]+")[0];
        return first.startsWith("/") ? first : null;
    }

    private static List<String> words(String s) {
        if (s == null || s.isBlank()) return List.of();
        return Arrays.stream(s.strip().split("\\s+")).toList();
    }

    private static String stripSlash(String uri) {
        String u = uri;
        while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
        return u;
    }
}
