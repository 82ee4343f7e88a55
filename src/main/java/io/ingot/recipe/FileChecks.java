package io.ingot.recipe;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** The files and folders a recipe refers to: allowed where {@link RecipePaths} says, and there. */
final class FileChecks {
    /** Fields that name a file or folder on this host: they must stay where {@link RecipePaths} allows. */
    private static final Set<String> PATH_FIELDS = Set.of("media.iso.path", "media.kernel.path", "media.initrd.path", "media.disk.path",
            "provisioners.script", "provisioners.source", "http.directory");

    private final RecipePaths paths;

    /** @param paths where the files a recipe names may be */
    FileChecks(RecipePaths paths) {
        this.paths = paths;
    }

    /** What is wrong with the file a field names ({@code v}, relative to the recipe's folder {@code dir}), or null. */
    String check(Path dir, String schema, String v) {
        if (PATH_FIELDS.contains(schema)) {
            String refused = paths.refusal(dir, v);
            if (refused != null) return refused;
        }
        return switch (schema) {
            case "media.iso.path", "media.kernel.path", "media.initrd.path", "media.disk.path" ->
                    Files.isRegularFile(dir.resolve(v)) ? null : "no such file '" + v + "' (relative to the recipe's folder)";
            case "media.iso.url", "media.kernel.url", "media.initrd.url", "media.disk.url" -> url(v);
            case "provisioners.script" -> Files.isDirectory(dir.resolve(v))
                    ? "'" + v + "' is a folder; script names one file (a file provisioner uploads folders)"
                    : Files.exists(dir.resolve(v)) ? null : "no such file '" + v + "' (relative to the recipe's folder)";
            case "provisioners.source" ->
                    Files.exists(dir.resolve(v)) ? null : "no such file '" + v + "' (relative to the recipe's folder)";
            case "http.directory" ->
                    Files.isDirectory(dir.resolve(v)) ? null : "no such directory '" + v + "' (relative to the recipe's folder)";
            default -> null;
        };
    }

    private static String url(String v) {
        URI uri;
        try {
            uri = new URI(v);
        } catch (URISyntaxException e) {
            return "not a URL: " + e.getMessage();
        }
        if (uri.getScheme() == null || !FieldRules.URL_SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            return "URL scheme must be http, https or file, got '" + v + "'";
        }
        if (uri.getScheme().equalsIgnoreCase("file") && uri.getPath() != null && !Files.isRegularFile(Path.of(uri.getPath()))) {
            return "no such file " + uri.getPath();
        }
        return null;
    }
}
