package io.ingot.pipeline;

import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.ImageStore;
import io.ingot.qemu.Accelerator;
import io.ingot.qemu.QemuInstallation;
import io.ingot.qemu.ScreenRecorder;
import io.ingot.qemu.Vm;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeInterpolator;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one build knows while it runs. Stages read what earlier stages left here and
 * add their own results; the route passes it from stage to stage as the exchange body.
 */
public final class BuildContext {
    private final String buildId;
    private LoadedRecipe recipe;
    private BuildSettings settings;
    private final BuildOptions options;
    private final IngotPaths paths;
    private final Path buildDir;
    private final BuildLog log;
    private final Timings timings = new Timings();
    private final Deque<Stage> ran = new ArrayDeque<>();
    private final Instant started = Instant.now();
    private final Map<String, Object> answerModel = new LinkedHashMap<>();

    private final Map<String, Held> held = new HashMap<>();
    private List<String> plan = List.of();
    private boolean finished;
    private ImageStore images;
    private QemuInstallation qemu;
    private Path runtimeDir;
    private boolean published;
    private final Map<String, Path> extraFiles = new LinkedHashMap<>();
    private Accelerator accelerator;
    private final SetOnce<Media> media = new SetOnce<>("media");
    private final SetOnce<BuildDisk> disk = new SetOnce<>("disk");
    private final SetOnce<TemplateResult> template = new SetOnce<>("template");
    private final SetOnce<Manifest.Ram> ram = new SetOnce<>("RAM template");
    private Path answerDir;
    private int httpPort;
    private BuildKey buildKey;
    private Vm vm;
    private ScreenRecorder screen;
    private Path serialLog;
    private int sshPort;
    private SshCommunicator ssh;
    private String hostKeyFingerprint;
    private String result;
    private Throwable failure;
    private volatile String stage;

    public BuildContext(String buildId, LoadedRecipe recipe, BuildOptions options, IngotPaths paths,
                        Path buildDir, BuildLog log) {
        this.buildId = buildId;
        this.recipe = recipe;
        this.settings = BuildSettings.of(recipe);
        this.options = options;
        this.paths = paths;
        this.buildDir = buildDir;
        this.log = log;
    }

    public String buildId() { return buildId; }
    public LoadedRecipe recipe() { return recipe; }
    /** What the stages are told to do: the recipe's sections (stages read these, not the recipe). */
    public BuildSettings settings() { return settings; }
    /**
     * Interpolates the recipe's strings with the complete model (once the answer server's port and the build key are
     * known) and remakes the settings from the result.
     */
    public void interpolateRecipe() {
        LoadedRecipe r = recipe;
        recipe = new LoadedRecipe(r.file(), r.dir(), RecipeInterpolator.interpolate(r.recipe(), model()),
                r.variables(), r.sensitiveValues(), r.contentHash());
        settings = BuildSettings.of(recipe);
    }
    public String name() { return settings.name(); }
    public BuildOptions options() { return options; }
    public IngotPaths paths() { return paths; }
    public Path buildDir() { return buildDir; }
    public BuildLog log() { return log; }
    public Timings timings() { return timings; }
    public Deque<Stage> ran() { return ran; }
    public Instant started() { return started; }

    /**
     * The FreeMarker model for answer files and recipe strings: httpIp, httpPort, sshPublicKey,
     * name, buildId and the recipe's variables by name.
     */
    public Map<String, Object> model() {
        Map<String, Object> m = new HashMap<>(recipe.variables());
        m.put("name", name());
        m.put("buildId", buildId);
        m.put("httpIp", "10.0.2.2");
        m.put("httpPort", String.valueOf(httpPort));
        if (buildKey != null) m.put("sshPublicKey", buildKey.publicKeyLine("ingot-build-" + buildId));
        m.putAll(answerModel);
        return m;
    }

    /** Storages and catalog, opened by the recovery stage. */
    public ImageStore images() { return images; }
    public void images(ImageStore s) { this.images = s; }
    public QemuInstallation qemu() { return qemu; }
    public void qemu(QemuInstallation q) { this.qemu = q; }
    /** A short private directory for QMP sockets (unix socket paths are limited to 107 bytes). */
    public Path runtimeDir() { return runtimeDir; }
    public void runtimeDir(Path p) { this.runtimeDir = p; }
    /** The base image and manifest the template stage made (null before it ran). */
    public TemplateResult template() { return template.get(); }
    public void template(TemplateResult t) { template.set(t, stage); }
    /** The RAM template's part of the manifest, set by the ram-template stage. */
    public void ram(Manifest.Ram r) { ram.set(r, stage); }
    /** The template version's manifest: the template stage's, with the RAM template's part when there is one. */
    public Manifest manifest() {
        TemplateResult t = template.get();
        if (t == null) return null;
        Manifest.Ram r = ram.get();
        return r == null ? t.manifest() : t.manifest().withRam(r);
    }
    /** Files the version gets besides its base image (the RAM template), by their name in the version directory. */
    public Map<String, Path> extraFiles() { return extraFiles; }
    public boolean published() { return published; }
    public void published(boolean p) { this.published = p; }
    /** What {@code stage} holds for the rest of the build (ports, servers); its own cleanup closes it. */
    public synchronized Held held(Stage stage) { return held.computeIfAbsent(stage.name(), n -> new Held()); }
    public Accelerator accelerator() { return accelerator; }
    public void accelerator(Accelerator a) { this.accelerator = a; }
    /** What the media stage found (null before it ran). */
    public Media media() { return media.get(); }
    public void media(Media m) { media.set(m, stage); }
    /** The disk the build VMs run on, made by the create-disk stage (null before it ran). */
    public BuildDisk disk() { return disk.get(); }
    public void disk(BuildDisk d) { disk.set(d, stage); }
    public Path answerDir() { return answerDir; }
    public void answerDir(Path p) { this.answerDir = p; }
    public int httpPort() { return httpPort; }
    public void httpPort(int p) { this.httpPort = p; }
    public BuildKey buildKey() { return buildKey; }
    public void buildKey(BuildKey k) { this.buildKey = k; }
    public Vm vm() { return vm; }
    public void vm(Vm p) { this.vm = p; }
    /** Saves the current build VM's screen every few seconds; replacing it stops the previous one. */
    public ScreenRecorder screen() { return screen; }
    public void screen(ScreenRecorder s) {
        if (screen != null && screen != s) screen.close();
        this.screen = s;
    }
    public Path serialLog() { return serialLog; }
    public void serialLog(Path p) { this.serialLog = p; }
    public int sshPort() { return sshPort; }
    public void sshPort(int p) { this.sshPort = p; }
    public SshCommunicator ssh() { return ssh; }
    public void ssh(SshCommunicator s) { this.ssh = s; }
    /** The guest's SSH host key as the build saw it (sealing removes it; clones get new ones). */
    public String hostKeyFingerprint() { return hostKeyFingerprint; }
    public void hostKeyFingerprint(String f) { this.hostKeyFingerprint = f; }
    public String result() { return result; }
    public void result(String r) { this.result = r; }
    public Throwable failure() { return failure; }
    public void failure(Throwable t) { this.failure = t; }

    /** The stages this build runs, in the route's order (the route's choices taken for this recipe): for [n/N]. */
    public List<String> plan() { return plan; }
    public void plan(List<String> stages) { this.plan = List.copyOf(stages); }
    /** True the first time: the build's end (cleanup, timings, its row) happens once. */
    boolean finishOnce() {
        if (finished) return false;
        finished = true;
        return true;
    }

    // ---- what the build route's choices ask (routes/build.camel.yaml) ----

    /** Whether the build installs a system from media (not one made {@code from} a template or from {@code media.disk}). */
    public boolean installs() { return settings.installs(); }
    /** Whether the recipe asks for a RAM template ({@code template.ram}). */
    public boolean wantsRamTemplate() { return settings.template().ram(); }
    /** Whether the recipe has {@code verify} checks to run in a linked clone before publishing. */
    public boolean hasPublishGate() { return settings.publish().gate() != null; }

    public boolean hasVerifyChecks() { return !settings.verify().isEmpty(); }

    /** The stage running now (workers report it in their heartbeats). */
    public String stage() { return stage; }
    public void stage(String s) { this.stage = s; }

    /**
     * The published template a recipe's {@code from} resolved to: {@code from} as written, its base image (a file the
     * build's disk is a linked overlay on) and the lineage the new version inherits (the parent's, then the parent).
     */
    public record Parent(String from, String ref, Path baseImage, String format, long virtualSize,
                         List<Manifest.Ancestor> lineage) {
        public Parent {
            lineage = List.copyOf(lineage);
        }
    }

}
