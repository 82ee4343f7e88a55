package io.ingot.pipeline;

import io.ingot.guest.BuildKey;
import io.ingot.images.ImageStore;
import io.ingot.qemu.Accelerator;
import io.ingot.qemu.QemuInstallation;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeInterpolator;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one build knows while it runs, passed from stage to stage as the exchange body. What a stage makes is
 * a phase, set once by that stage and read by the ones after (media, disk, build key, answer server, each VM, the
 * SSH session, the template); stages take their settings from {@link #settings()}.
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
    private final SetOnce<ImageStore> images = new SetOnce<>("storages and catalog");
    private final SetOnce<QemuInstallation> qemu = new SetOnce<>("QEMU installation");
    private final SetOnce<Path> runtimeDir = new SetOnce<>("runtime directory");
    private boolean published;
    private final Map<String, Path> extraFiles = new LinkedHashMap<>();
    private final SetOnce<Accelerator> accelerator = new SetOnce<>("accelerator");
    private final SetOnce<Media> media = new SetOnce<>("media");
    private final SetOnce<BuildDisk> disk = new SetOnce<>("disk");
    private final SetOnce<BuildKey> buildKey = new SetOnce<>("build key");
    private final SetOnce<AnswerService> answers = new SetOnce<>("answer-file server");
    private final Map<VmRole, SetOnce<BuildVm>> vms = new EnumMap<>(VmRole.class);
    private final SetOnce<GuestSession> session = new SetOnce<>("SSH session");
    private final SetOnce<TemplateResult> template = new SetOnce<>("template");
    private final SetOnce<Manifest.Ram> ram = new SetOnce<>("RAM template");
    private final SetOnce<String> captureInstanceId = new SetOnce<>("capture seed");
    private final SetOnce<Path> captureMemory = new SetOnce<>("capture memory file");
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
        for (VmRole role : VmRole.values()) vms.put(role, new SetOnce<>(role.toString()));
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
        m.put("httpPort", String.valueOf(httpPort()));
        if (buildKey() != null) m.put("sshPublicKey", buildKey().publicKeyLine("ingot-build-" + buildId));
        m.putAll(answerModel);
        return m;
    }

    /** Storages and catalog, opened by the recovery stage. */
    public ImageStore images() { return images.get(); }
    public void images(ImageStore s) { images.set(s, stage); }
    public QemuInstallation qemu() { return qemu.get(); }
    public void qemu(QemuInstallation q) { qemu.set(q, stage); }
    /**
     * A short private directory for QMP sockets (unix socket paths are limited to 107 bytes), on tmpfs where the
     * host has one (the capture VM's RAM may go there too).
     */
    public Path runtimeDir() { return runtimeDir.get(); }
    public void runtimeDir(Path p) { runtimeDir.set(p, stage); }
    /** The base image and manifest the template stage made (null before it ran). */
    public TemplateResult template() { return template.get(); }
    public void template(TemplateResult t) { template.set(t, stage); }
    /** The instance id in the capture VM's seed, set by the capture-boot stage (null before it ran). */
    public String captureInstanceId() { return captureInstanceId.get(); }
    public void captureInstanceId(String id) { captureInstanceId.set(id, stage); }
    /** The file the capture VM's RAM is in while it runs, set by the capture-boot stage (null before it ran). */
    public Path captureMemory() { return captureMemory.get(); }
    public void captureMemory(Path p) { captureMemory.set(p, stage); }
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
    public Accelerator accelerator() { return accelerator.get(); }
    public void accelerator(Accelerator a) { accelerator.set(a, stage); }
    /** What the media stage found (null before it ran). */
    public Media media() { return media.get(); }
    public void media(Media m) { media.set(m, stage); }
    /** The disk the build VMs run on, made by the create-disk stage (null before it ran). */
    public BuildDisk disk() { return disk.get(); }
    public void disk(BuildDisk d) { disk.set(d, stage); }
    /** The key the build logs in with, made by the build-key stage (null before it ran). */
    public BuildKey buildKey() { return buildKey.get(); }
    public void buildKey(BuildKey k) { buildKey.set(k, stage); }
    /** The answer-file server, started by the answer-server stage (null before it ran). */
    public AnswerService answers() { return answers.get(); }
    public void answers(AnswerService a) { answers.set(a, stage); }
    /** The answer server's port (0 before it started): the model's httpPort. */
    public int httpPort() {
        AnswerService a = answers.get();
        return a == null ? 0 : a.port();
    }
    /** The VM of that role, once its stage started it (null before, or when the build has none). */
    public BuildVm vm(VmRole role) { return vms.get(role).get(); }
    public void vm(BuildVm v) { vms.get(v.role()).set(v, stage); }
    /** The VM of that role booted again (after a hang), its earlier process stopped. */
    public void vmBootedAgain(BuildVm v) { vms.get(v.role()).replace(v, stage); }
    /** The VM started last, unless its stage ended it (what a failure report shows, what --on-error abort leaves). */
    public BuildVm currentVm() {
        for (VmRole role : List.of(VmRole.CAPTURE, VmRole.PROVISION, VmRole.INSTALL)) {
            BuildVm v = vms.get(role).get();
            if (v != null) return v.ended() ? null : v;
        }
        return null;
    }
    /** Every VM the build started, in order. */
    public List<BuildVm> vms() {
        List<BuildVm> all = new ArrayList<>();
        for (SetOnce<BuildVm> v : vms.values()) if (v.get() != null) all.add(v.get());
        return all;
    }
    /** The SSH session with the provisioning VM, opened by wait-ssh (null before, or with communicator none). */
    public GuestSession session() { return session.get(); }
    public void session(GuestSession s) { session.set(s, stage); }
    /** The guest's SSH host key as the build saw it (sealing removes it; clones get new ones). */
    public String hostKeyFingerprint() {
        GuestSession s = session.get();
        return s == null ? null : s.hostKeyFingerprint();
    }
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
