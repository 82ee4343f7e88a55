package io.ingot.it;

import io.ingot.images.ImageStore;
import io.ingot.template.TemplateRef;
import io.ingot.template.Manifest;
import io.ingot.images.PublishRequest;
import io.ingot.catalog.TemplateVersion;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.BuildOptions;
import io.ingot.pipeline.OnError;
import io.ingot.pipeline.stage.StandardStages;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import io.ingot.util.IngotPaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * What the integration tests share in one run: the media cache, one images directory, and one
 * tiny-linux template built the first time a test asks for it (the build takes a minute under TCG).
 */
public final class TestImages {
    /** The templates this run built once, by recipe name. */
    private static final Map<String, BuildContext> SHARED = new HashMap<>();
    private static BuildEngine engine;

    private TestImages() { }

    public static Path home() {
        return Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath().normalize();
    }

    public static IngotPaths paths() {
        // a second run of the tests on another QEMU keeps its templates apart (pom.xml, profile qemu-backports)
        Path images = Path.of(System.getProperty("ingot.it.images", home().resolve("target/it-images").toString()));
        Path cache = Path.of(System.getProperty("ingot.it.cache",
                Path.of(System.getProperty("user.home"), ".cache", "ingot").toString()));
        return new IngotPaths(home(), images, cache, images.resolve(".ingot"));
    }

    public static ImageStore store() {
        return ImageStore.open(paths());
    }

    /**
     * Runs a build in this JVM, through the same route and stages as {@code ingot build}; one Camel
     * context serves every build of the run, as in the daemon (builds may run concurrently).
     */
    public static BuildContext build(Path recipe, OnError onError) throws Exception {
        return build(recipe, Map.of(), new BuildOptions(onError, System.out));
    }

    /** A build with {@code --var} values and options of its own. */
    public static BuildContext build(Path recipe, Map<String, String> variables, BuildOptions options) throws Exception {
        LoadedRecipe loaded = new RecipeLoader().load(recipe, variables);
        return engine().runner(paths()).run(loaded, options);
    }

    private static synchronized BuildEngine engine() throws Exception {
        if (engine == null) {
            engine = new BuildEngine(StandardStages.of(paths()));
            Runtime.getRuntime().addShutdownHook(new Thread(engine::close));
        }
        return engine;
    }

    /** The tiny-linux template of this run, built once. */
    public static BuildContext tinyLinux() throws Exception {
        return shared("tiny-linux");
    }

    /**
     * The debian-12-minimal template of this run (recipes/debian-12-minimal.yaml: a real Debian 12 from
     * Debian's package archive, with cloud-init, the guest agent and a RAM template), built once: the
     * media take ~2 minutes, the build ~8 under TCG.
     */
    public static BuildContext debian() throws Exception {
        return shared("debian-12-minimal");
    }

    /**
     * The debian-13-minimal template of this run (recipes/debian-13-minimal.yaml: Debian 13 from the archive the
     * host's apt sources name, built like debian-12-minimal), built once: the media take ~3 minutes, the build
     * ~10 under TCG. Only tests tagged debian13 ask for it (mvn verify -P debian13).
     */
    public static BuildContext debian13() throws Exception {
        return shared("debian-13-minimal");
    }

    /**
     * A template named {@code name} of its own, made from the shared tiny-linux build's base image, so that a test may
     * remove or revoke it without disturbing another; one an earlier test of this run made from the same base is reused.
     */
    public static TemplateVersion ownTemplate(ImageStore store, String name) throws Exception {
        tinyLinux();
        TemplateVersion shared = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        // one made by an earlier run from another tiny-linux is not this run's
        var existing = store.catalog().versions(name).stream().filter(x -> !x.deleting() && !x.revoked()
                && shared.manifest().disk().sha256().equals(x.manifest().disk().sha256())).findFirst();
        if (existing.isPresent()) return existing.get();
        Path sharedBase = store.storages().get(shared.primaryStorage()).locate(shared.name(), shared.version()).orElseThrow().baseImage().path();
        Manifest m = shared.manifest();
        return store.publisher().publish(new PublishRequest(name, sharedBase, "qcow2", false,
                Manifest.empty().withMachine(m.qemuVersion(), m.machineType(), m.cpuModel(), m.cpus(), m.memoryMiB(), m.devices()),
                List.of("local"), "latest"));
    }

    /** recipes/RECIPE.yaml built once in this run; a failed build is not kept, so the next test that asks tries again. */
    private static synchronized BuildContext shared(String recipe) throws Exception {
        BuildContext kept = SHARED.get(recipe);
        if (kept != null) return kept;
        BuildContext b = build(home().resolve("recipes").resolve(recipe + ".yaml"), OnError.CLEANUP);
        assertNull(b.failure(), () -> "the shared " + recipe + " build failed: " + b.failure().getMessage());
        SHARED.put(recipe, b);
        return b;
    }

    /**
     * A variant of recipes/tiny-linux.yaml, edited by {@code edit}, written with a copy of the recipe's
     * files under target/it-recipes/NAME/ so its relative paths still resolve.
     */
    public static Path variant(String name, UnaryOperator<String> edit) throws IOException {
        return variant("tiny-linux", name, edit);
    }

    /** The same for recipes/BASE.yaml and its folder recipes/BASE/. */
    public static Path variant(String base, String name, UnaryOperator<String> edit) throws IOException {
        Path dir = home().resolve("target/it-recipes").resolve(name);
        copyTree(home().resolve("recipes").resolve(base), dir.resolve(base));
        Path recipe = dir.resolve(base + ".yaml");
        Files.writeString(recipe, edit.apply(Files.readString(home().resolve("recipes").resolve(base + ".yaml"))));
        return recipe;
    }

    /** QEMU processes still running whose command line mentions {@code marker} (a build id, a clone name). */
    public static List<String> qemuProcessesMentioning(String marker) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(c -> c.contains("qemu-system") && c.contains(marker))
                .toList();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
