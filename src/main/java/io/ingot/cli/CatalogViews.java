package io.ingot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.ingot.catalog.Catalog;
import io.ingot.images.ImageStore;
import io.ingot.util.IngotPaths;
import io.ingot.util.ProgressBar;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Stream;

/** Shared by the catalog commands: opening the image store, JSON output, plain tables. */
final class CatalogViews {
    /** Made on first use: the plain tables need no JSON mapper, and making one costs a listing a tenth of its start. */
    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);
    }

    private CatalogViews() { }

    static ImageStore open() { return ImageStore.open(IngotPaths.fromEnvironment()); }

    /** For commands that copy or convert disks: their progress on standard error (a bar on a terminal). */
    static ImageStore openWithProgress() { return ImageStore.open(IngotPaths.fromEnvironment(), ProgressBar.Factory.console()); }

    /** The catalog alone, for the listing commands: no storages opened, nothing scanned or cleaned. */
    static Catalog catalog() { return Catalog.open(IngotPaths.fromEnvironment().images().resolve(Catalog.FILE_NAME)); }

    static void json(PrintWriter out, Object value) throws IOException {
        out.println(Mapper.JSON.writeValueAsString(value));
        out.flush();
    }

    /** Columns padded to their widest cell. */
    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (List<String> r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (List<String> r : Stream.concat(Stream.of(header), rows.stream()).toList()) {
            for (int i = 0; i < w.length; i++) {
                sb.append(i == w.length - 1 ? r.get(i) : String.format("%-" + w[i] + "s  ", r.get(i)));
            }
            out.println(sb.toString().stripTrailing());
            sb.setLength(0);
        }
        out.flush();
    }

    static String size(Long bytes) {
        if (bytes == null) return "-";
        if (bytes >= 1L << 30) return String.format("%.1fG", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.1fM", bytes / (double) (1L << 20));
        if (bytes >= 1L << 10) return String.format("%.1fK", bytes / (double) (1L << 10));
        return bytes + "B";
    }
}
