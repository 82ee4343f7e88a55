package io.ingot.media;

import io.ingot.util.UserError;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A checksum list as Debian and Ubuntu publish them ({@code SHA256SUMS}: {@code <hex>  ./path} or
 * {@code <hex> *name}, the {@code *} marking binary mode). A file is found by its path relative to the
 * list's folder; by its bare name only when exactly one entry has that name (Debian's installer list has
 * eight {@code initrd.gz}: taking the first would verify the wrong file).
 */
record ChecksumList(String source, List<Entry> entries) {
    record Entry(String hex, String path) {
        String name() { return path.substring(path.lastIndexOf('/') + 1); }
    }

    static ChecksumList parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] parts = line.trim().split("\\s+", 2);
            if (parts.length != 2 || !parts[0].matches("[0-9a-fA-F]{32,128}")) continue;
            entries.add(new Entry(parts[0].toLowerCase(Locale.ROOT), normalise(parts[1])));
        }
        return new ChecksumList(source, List.copyOf(entries));
    }

    private static String normalise(String path) {
        String p = path.trim();
        if (p.startsWith("*")) p = p.substring(1);
        while (p.startsWith("./")) p = p.substring(2);
        return p;
    }

    /** The hex checksum of {@code relativePath} (may be null) or, failing that, of the one entry named {@code fileName}. */
    String find(String relativePath, String fileName) {
        if (relativePath != null) {
            String wanted = normalise(relativePath);
            for (Entry e : entries) if (e.path().equals(wanted)) return e.hex();
        }
        List<Entry> named = entries.stream().filter(e -> e.name().equals(fileName)).toList();
        if (named.size() == 1) return named.get(0).hex();
        if (named.isEmpty()) throw new UserError("checksum list " + source + " has no entry for " + (relativePath != null ? relativePath : fileName));
        throw new UserError("checksum list " + source + " has " + named.size() + " entries named " + fileName
                + " (" + String.join(", ", named.stream().map(Entry::path).toList()) + ") and none for "
                + (relativePath != null ? relativePath : "this file's URL") + ": give the media URL below the list's folder, or a sha256: checksum");
    }
}
