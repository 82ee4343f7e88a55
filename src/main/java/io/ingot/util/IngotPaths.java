package io.ingot.util;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where ingot keeps things. {@code home} is the project checkout (recipes, routes);
 * {@code images} the default local storage and catalog; {@code cache} downloaded and built media;
 * {@code state} ingot's private state (managed access key), never inside a template.
 */
public record IngotPaths(Path home, Path images, Path cache, Path state) {

    public static IngotPaths fromEnvironment() {
        return from(System.getenv(), System.getProperties());
    }

    static IngotPaths from(Map<String, String> env, Properties props) {
        Path home = Path.of(firstNonNull(env.get("INGOT_HOME"), props.getProperty("ingot.home"), ".")).toAbsolutePath().normalize();
        Path images = Path.of(firstNonNull(env.get("INGOT_IMAGES"), props.getProperty("ingot.images"),
                home.resolve("images").toString())).toAbsolutePath();
        Path cache = Path.of(firstNonNull(env.get("INGOT_CACHE"), props.getProperty("ingot.cache"),
                Path.of(System.getProperty("user.home"), ".cache", "ingot").toString())).toAbsolutePath();
        Path state = images.resolve(".ingot");
        return new IngotPaths(home, images, cache, state);
    }

    public Path builds() { return images.resolve(".builds"); }

    private static String firstNonNull(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return null;
    }
}
