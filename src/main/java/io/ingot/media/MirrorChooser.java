package io.ingot.media;

import io.ingot.recipe.Recipe;
import io.ingot.util.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses the Debian archive of ingot's builtin media (debianinstall, tinyinstall): the recipe's
 * {@code media.iso.mirror}, else the {@code INGOT_MIRROR} environment variable, else the archive the host's own
 * apt sources name (so a site's mirror or caching proxy is used as it is). No archive address is built in: a host
 * without a usable source and no override gets a one-line error saying what to set.
 */
public final class MirrorChooser {
    public static final String ENV = "INGOT_MIRROR";

    private final Path root;
    private final Map<String, String> env;

    /** @param root the root of the system whose apt sources count ({@code /}); @param env its environment */
    public MirrorChooser(Path root, Map<String, String> env) {
        this.root = root;
        this.env = Map.copyOf(env);
    }

    /** The host's own sources and environment. */
    public static MirrorChooser ofHost() {
        return new MirrorChooser(Path.of("/"), System.getenv());
    }

    /** The archive for media of {@code suite}, {@code recipeMirror} (may be null) first. */
    public DebianArchive choose(String recipeMirror, String suite) {
        if (recipeMirror != null && !recipeMirror.isBlank()) return overridden(recipeMirror, "the recipe's media.iso.mirror");
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            if (!fromEnv.matches("https?://\\S+")) {
                throw new UserError(ENV + ": expected an http or https URL of a Debian archive, got '" + fromEnv + "'");
            }
            return overridden(fromEnv, ENV);
        }
        return fromHost(suite).orElseThrow(() -> new UserError("no Debian archive (http or https) found in the host's apt sources ("
                + root.resolve("etc/apt/sources.list") + ", " + root.resolve("etc/apt/sources.list.d") + "/*.list|*.sources): set media.iso.mirror in the recipe or "
                + ENV + " (e.g. " + ENV + "=http://HOST/debian)"));
    }

    /**
     * The archive a recipe's builtin media would be built from, checked before a build starts (a host without one
     * fails at once, exit 2); empty for media that are not ingot's own.
     */
    public Optional<DebianArchive> forRecipe(Recipe recipe) {
        if (recipe.from() != null || recipe.media() == null || recipe.media().iso() == null) return Optional.empty();
        Recipe.Source iso = recipe.media().iso();
        if (TinyInstallMedia.NAME.equals(iso.builtin())) return Optional.of(choose(iso.mirror(), TinyInstallMedia.SUITE));
        if (DebianInstallMedia.NAME.equals(iso.builtin())) return Optional.of(DebianInstallMedia.Options.of(iso, this).archive());
        return Optional.empty();
    }

    /** The archive the host's sources name for {@code suite} (or the host's own release), if any. */
    public Optional<DebianArchive> fromHost(String suite) {
        AptSources sources = AptSources.read(root);
        Set<String> releases = new LinkedHashSet<>();
        if (suite != null) releases.add(suite);
        hostCodename().ifPresent(releases::add);
        return sources.archive(releases).map(main -> {
            Optional<AptSources.Entry> security = sources.security();
            String securityUrl = security.map(AptSources.Entry::uri).orElse(securityBeside(main.uri()));
            String origin = main.where() + (security.isPresent() ? ", security " + security.get().where() : "");
            return new DebianArchive(main.uri(), securityUrl, main.signedBy(), origin);
        });
    }

    private static DebianArchive overridden(String url, String origin) {
        String mirror = url.strip().replaceAll("/+$", "");
        return new DebianArchive(mirror, securityBeside(mirror), null, origin);
    }

    /** Debian's mirrors carry debian-security beside debian (deb.debian.org serves both); others are assumed to. */
    static String securityBeside(String mirror) {
        return mirror.endsWith("/debian") ? mirror + "-security" : mirror.replaceFirst("/[^/]*$", "/debian-security");
    }

    /** VERSION_CODENAME of the host's os-release: its own release's suite. */
    private Optional<String> hostCodename() {
        for (String name : new String[] {"etc/os-release", "usr/lib/os-release"}) {
            Path file = root.resolve(name);
            if (!Files.isRegularFile(file)) continue;
            try (var lines = Files.lines(file)) {
                return lines.filter(l -> l.startsWith("VERSION_CODENAME="))
                        .map(l -> l.substring("VERSION_CODENAME=".length()).replace("\"", "").strip())
                        .filter(s -> !s.isEmpty()).findFirst();
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
