package io.ingot.target;

import io.ingot.catalog.CloneKind;
import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.TemplateFiles;
import io.ingot.storage.Volume;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.trust.Dsse;
import io.ingot.trust.Provenance;
import io.ingot.trust.Verified;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Sha256;
import io.ingot.util.Trees;
import io.ingot.util.UserError;
import io.ingot.vm.HostKeys;
import io.ingot.vm.MacAddresses;
import io.ingot.vm.RunningClone;
import io.ingot.vm.SeedBuilder;
import io.ingot.vm.VmConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code ingot push SOURCE TARGET}: hands a template version (as a new linked or full clone with an identity of its
 * own) or an existing clone (a full copy that keeps its identity) to a target, after checking the target's feature
 * row, and records the copy in the catalog's deliveries. Also what removing or revoking a version must know of
 * those copies.
 */
public final class PushService {
    private final ImageStore store;
    private final Targets targets;
    private final Deliveries deliveries;
    private final Supplier<String> accelerator;

    /** {@code accelerator}: what ingot would use on this host (kvm or tcg), asked only for a local target that needs it. */
    public PushService(ImageStore store, Targets targets, Supplier<String> accelerator) {
        this.store = store;
        this.targets = targets;
        this.deliveries = new Deliveries(store.catalog());
        this.accelerator = accelerator;
    }

    /**
     * What a push made: the catalog's record, the target's summary, and the host keys the new machine answers with
     * (null for a pushed clone: it keeps those in its seed).
     */
    public record Pushed(DeliveryRecord record, Target.Delivered delivered, HostKeys hostKeys) { }

    /** {@code full}: a full copy instead of a linked clone (a clone is always copied whole); {@code ram}: the RAM template too. */
    public Pushed push(String source, String targetUri, boolean full, boolean ram, Consumer<String> progress) throws IOException {
        Target target = targets.open(targetUri);
        TargetFeatures features = target.type().features();
        String tname = target.type().name();
        Optional<CloneRecord> clone = source.contains(":") || source.contains("@") ? Optional.empty() : store.catalog().clone(source);
        if (clone.isPresent() && !store.catalog().versions(source).isEmpty()) {
            throw new UserError("'" + source + "' is both a clone and a template: push " + source + "@latest for the template");
        }
        if (ram) features.require(tname, TargetFeature.RAM, "push the disk alone (without --ram)");
        if (ram && clone.isPresent()) throw new UserError("--ram hands over a template's RAM template; clone '" + source + "' has none of its own (push its template with --ram)");
        // private: the new machine's seed (with its host keys) is made here
        Files.createDirectories(store.paths().state());
        Path scratch = Files.createTempDirectory(store.paths().state(), "push-");
        try {
            Handover h;
            HostKeys hostKeys = null;
            if (clone.isPresent()) {
                h = cloneHandover(clone.get(), target, features, tname, scratch, progress);
            } else {
                TemplateVersion v = store.catalog().resolve(TemplateRef.parse(source));
                String name = target.requestedName().orElse(v.name() + "-" + v.version());
                hostKeys = HostKeys.generate("root@" + name);
                // a target that takes no linked clones gets a full copy without being told --full
                h = templateHandover(v, name, !full && features.has(TargetFeature.LINKED), ram, target, features, tname, hostKeys, scratch, progress);
            }
            String sha = h.linked() ? diskSha(h.version()) : h.fullSha256();
            DeliveryRecord planned = new DeliveryRecord(tname, target.location(), h.name(), h.version().name(), h.version().version(),
                    h.cloneName(), h.linked(), sha, Instant.now());
            // a linked copy's row comes first, as a clone's .creating mark does: the version cannot be removed under the
            // copy being made; a push killed meanwhile leaves a row that ingot rm finds gone from the target and forgets
            // (a row of an earlier copy under that name stays as it is: the target refuses a name in use, and only
            // once it took this copy does this copy's row replace it)
            boolean marked = h.linked() && deliveries.find(planned.target(), planned.location(), planned.reference()).isEmpty();
            if (marked) deliveries.record(planned);
            Target.Delivered d;
            try {
                d = target.deliver(h, progress);
            } catch (IOException | RuntimeException e) {
                if (marked) deliveries.forget(planned.target(), planned.location(), planned.reference());
                throw e;
            }
            DeliveryRecord record = new DeliveryRecord(planned.target(), planned.location(), d.reference(), planned.template(),
                    planned.version(), planned.cloneName(), planned.linked(), planned.sha256(), planned.created());
            if (marked && !record.equals(planned)) deliveries.forget(planned.target(), planned.location(), planned.reference());
            // a full copy reads nothing of ingot's: its row comes after it, as a publish writes its row last
            if (!marked || !record.equals(planned)) deliveries.record(record);
            return new Pushed(record, d, hostKeys);
        } finally {
            // the seed's sources hold the new machine's private host keys: they live on in the target's seed volume only
            Trees.deleteQuietly(scratch);
        }
    }

    private Handover templateHandover(TemplateVersion v, String name, boolean linked, boolean ram, Target target, TargetFeatures features,
                                      String tname, HostKeys hostKeys, Path scratch, Consumer<String> progress) throws IOException {
        Manifest m = v.manifest();
        features.require(tname, linked ? TargetFeature.LINKED : TargetFeature.FULL, linked ? "use --full" : null);
        if (Devices.uefi(m.devices())) features.require(tname, TargetFeature.UEFI, v.ref() + " boots UEFI");
        TemplateFiles files = locate(v);
        Volume base = files.baseImage();
        if (linked && !base.isFile()) {
            throw new UserError("a linked push reads the base image as a file, and " + v.ref() + " is on storage '" + files.storage()
                    + "' (" + base.target() + "); use --full");
        }
        long size = m.disk() != null && m.disk().virtualSize() != null ? m.disk().virtualSize()
                : new QemuImg().info(base.target(), base.format()).virtualSize();
        Path fullDisk = null;
        if (!linked) fullDisk = selfContained(base.target(), base.format(), base.isFile() ? base.path() : null, scratch, progress);
        Map<String, Path> ramFiles = ram ? ramFiles(v, files) : Map.of();
        String instanceId = UUID.randomUUID().toString();
        Path seedDir = scratch.resolve("seed-of-" + UUID.randomUUID());
        Files.createDirectories(seedDir);
        SeedBuilder seeds = new SeedBuilder();
        Path iso = seeds.ensureIso(seeds.write(seedDir, new SeedBuilder.Seed(instanceId, name, List.of(store.accessKey().publicKeyLine()),
                hostKeys, Map.of())));
        String mac = new MacAddresses(store.storages().config().macPrefix()).next();
        return new Handover(name, v, base.isFile() ? base.path() : null, base.format(), size, linked, fullDisk, "qcow2",
                fullDisk == null ? null : Sha256.of(fullDisk),
                new VmConfig.Machine(m.machineType(), m.cpuModel(), m.cpus(), m.memoryMiB(), m.devices()),
                new VmConfig.NicConfig(Devices.nicModel(m.devices()), mac), UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                iso, null, accelerator, ramFiles, sbom(v, files), signer(v, files));
    }

    /** The version's SBOM file, which its manifest names (null: it has none). */
    private static Path sbom(TemplateVersion v, TemplateFiles files) {
        if (v.manifest().sbom() == null) return null;
        Path p = files.dir().resolve(TemplateRef.checkVersionFile(v.manifest().sbom().file()));
        if (!Files.isRegularFile(p)) throw new UserError(v.ref() + ": its SBOM " + p + " is missing");
        return p;
    }

    /**
     * Checks the version's files against its signature when a target asks (every file hashed: only a target that
     * carries the files elsewhere asks), then signs what it carries with this site's key, the predicate kept.
     */
    private VersionSigner signer(TemplateVersion v, TemplateFiles files) {
        return () -> {
            if (!Files.isRegularFile(files.dir().resolve(VersionTrust.ENVELOPE))) return Optional.empty();
            Verified provenance = store.trust().verifyDir(v.ref(), files.dir());
            return Optional.of(subjects -> store.trust().signPayload(Dsse.IN_TOTO, Provenance.statement(subjects, provenance.predicate())).toJson());
        };
    }

    /** The RAM template's files (memory, device state, capture disk) beside the version's base image. */
    private static Map<String, Path> ramFiles(TemplateVersion v, TemplateFiles files) {
        Manifest.Ram r = v.manifest().ram();
        if (r == null) throw new UserError(v.ref() + " has no RAM template; push it without --ram");
        Map<String, Path> out = new java.util.LinkedHashMap<>();
        for (Manifest.RamFile f : new Manifest.RamFile[] {r.memoryFile(), r.stateFile(), r.captureOverlay()}) {
            if (f == null || f.file() == null) continue;
            Path p = files.dir().resolve(f.file());
            if (!Files.isRegularFile(p)) throw new UserError(v.ref() + ": RAM template file " + p + " is missing");
            out.put(f.file(), p);
        }
        return out;
    }

    /** A clone keeps its identity (MAC, UUID, vmgenid, seed): it moves there; its disk goes whole, without a backing file. */
    private Handover cloneHandover(CloneRecord r, Target target, TargetFeatures features, String tname, Path scratch,
                                   Consumer<String> progress) throws IOException {
        if (r.kind() == CloneKind.MEMORY) {
            features.require(tname, TargetFeature.RAM, r.name() + " is a memory clone (its disk continues from the RAM template's capture);"
                    + " push its template, or a linked or full clone");
        }
        features.require(tname, TargetFeature.FULL, null);
        VmConfig vm = VmConfig.fromJson(r.vmConfigJson());
        if (Devices.uefi(vm.machine().devices())) features.require(tname, TargetFeature.UEFI, r.name() + " boots UEFI");
        StorageBackend storage = store.storages().get(r.storage());
        var files = storage.locateClone(r.name()).orElseThrow(() -> new UserError("clone '" + r.name() + "' has no files on storage '"
                + r.storage() + "' (see: ingot clones)"));
        if (RunningClone.read(files.dir()).isPresent()) {
            throw new UserError("clone '" + r.name() + "' is running; stop it first (ingot stop " + r.name() + "): its disk must not change while it is copied");
        }
        if (target.requestedName().isPresent() && !target.requestedName().get().equals(r.name())) {
            throw new UserError("a pushed clone keeps its name (its host name and seed say it): drop name= or make it " + r.name());
        }
        new SeedBuilder().ensureIso(Path.of(vm.seed()));
        Path disk = selfContained(vm.disk().path(), vm.disk().format(), null, scratch, progress);
        TemplateVersion v = store.catalog().version(r.template(), r.version())
                .orElseGet(() -> new TemplateVersion(r.template(), r.version(), null, List.of(r.storage()),
                        Manifest.empty().withIdentity(r.template(), r.version(), r.created()), r.created(), false, TemplateVersion.READY, null));
        long size = new QemuImg().info(disk, "qcow2").virtualSize();
        return new Handover(r.name(), v, null, null, size, false, disk, "qcow2", Sha256.of(disk), vm.machine(), vm.nics().get(0),
                vm.smbiosUuid(), vm.vmgenid(), Path.of(vm.seed()), r.name(), accelerator, Map.of(), null, VersionSigner.NONE);
    }

    /**
     * A qcow2 file without a backing file: {@code file} itself where it is one already, else a copy converted into
     * {@code scratch} (a clone's overlay with its base folded in, or an image only a block driver opens).
     */
    private Path selfContained(String source, String format, Path file, Path scratch, Consumer<String> progress) throws IOException {
        QemuImg img = new QemuImg();
        if (file != null && "qcow2".equals(format) && img.info(file, format).backingFilename() == null) return file;
        Path out = scratch.resolve("disk.qcow2");
        progress.accept("converting " + source + " to a qcow2 without a backing file");
        img.convert(source, format, out.toString(), "qcow2", false);
        return out;
    }

    private TemplateFiles locate(TemplateVersion v) {
        return CloneService.locate(store.storages().get(v.primaryStorage()), v);
    }

    private static String diskSha(TemplateVersion v) {
        return v.manifest().disk() == null ? null : v.manifest().disk().sha256();
    }
}
