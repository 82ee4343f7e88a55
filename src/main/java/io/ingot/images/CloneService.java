package io.ingot.images;

import io.ingot.catalog.Catalog;
import io.ingot.catalog.CloneKind;
import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.network.AddressPlan;
import io.ingot.network.NetworkConfig;
import io.ingot.network.NetworksFile;
import io.ingot.network.NicRequest;
import io.ingot.storage.CloneFiles;
import io.ingot.storage.CloneMarker;
import io.ingot.storage.Feature;
import io.ingot.storage.FeatureTable;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.Storages;
import io.ingot.storage.TemplateFiles;
import io.ingot.storage.Volume;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.PausePoint;
import io.ingot.util.Sizes;
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
import java.util.regex.Pattern;

/** Makes and removes clones of template versions: disk on the storage, vm.json, seed ISO, catalog row. */
public final class CloneService {
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private final Catalog catalog;
    private final Storages storages;
    private final SeedBuilder seeds;
    private final ManagedAccessKey accessKey;
    private final MacAddresses macs;
    private final java.util.function.Supplier<NetworksFile> networks;

    public CloneService(Catalog catalog, Storages storages, SeedBuilder seeds, ManagedAccessKey accessKey, MacAddresses macs) {
        this(catalog, storages, seeds, accessKey, macs, NetworksFile::none);
    }

    /** {@code networks}: read when a clone asks for a network (a broken networks.yaml stops only those). */
    public CloneService(Catalog catalog, Storages storages, SeedBuilder seeds, ManagedAccessKey accessKey, MacAddresses macs,
                        java.util.function.Supplier<NetworksFile> networks) {
        this.catalog = catalog;
        this.storages = storages;
        this.seeds = seeds;
        this.accessKey = accessKey;
        this.macs = macs;
        this.networks = networks;
    }

    /** A made clone: its row, its VM config and where that config is. */
    public record Clone(CloneRecord record, VmConfig vm, Path vmConfigFile) { }

    public Clone clone(String source, String cloneName, CloneOptions options) throws IOException {
        TemplateRef.checkName(cloneName, "clone name");
        if (catalog.clone(cloneName).isPresent()) throw new UserError("clone '" + cloneName + "' already exists");
        TemplateVersion v = catalog.resolve(TemplateRef.parse(source));
        List<String> keys = new ArrayList<>();
        for (Path f : options.sshKeyFiles()) keys.addAll(readKeys(f));
        keys.add(accessKey.publicKeyLine());

        String storageName = options.storage() != null ? options.storage() : v.primaryStorage();
        StorageBackend target = storages.get(storageName);
        CloneFiles files;
        CloneKind kind;
        String backing = null;
        Manifest.Ram ram = v.manifest().ram();
        if (options.ram()) {
            if (!options.linked()) throw new UserError("a memory clone (--ram) is a linked clone: use --linked --ram");
            if (ram == null) {
                throw new UserError(v.ref() + " has no RAM template (build it with template.ram: true); "
                        + "make a linked clone without --ram");
            }
        }
        CloneSettings settings = options.settings();
        Map<String, Object> cloudConfig = checkSettings(settings, v, options.ram());
        NetworksFile nets = settings.nets().stream().allMatch(NicRequest::isUser) ? NetworksFile.none() : networks.get();
        List<AddressPlan.Planned> nics = keptNic(new AddressPlan(nets, macs::next).plan(nicRequests(settings, options.ram()),
                claims(catalog.clones())), settings, options.ram() ? ram : null);
        if (options.linked()) {
            if (options.format() != null && !"qcow2".equals(options.format())) {
                throw new UserError("a linked clone is always a qcow2 overlay; --format " + options.format() + " needs --full");
            }
            if (!v.storages().contains(storageName)) {
                throw new UserError("a linked clone cannot change storage: " + v.ref() + " is on storage '"
                        + String.join("', '", v.storages()) + "', not '" + storageName + "' (use --full to copy it there)");
            }
            target.require(Feature.LINKED_CLONE);
            TemplateFiles base = locate(target, v);
            // a memory clone's disk continues from the disk state the RAM was captured with
            Volume parent = options.ram() ? target.captureDisk(base, ram) : base.baseImage();
            files = target.createLinkedClone(base, parent, cloneName);
            kind = options.ram() ? CloneKind.MEMORY : CloneKind.LINKED;
            backing = parent.target();
        } else {
            target.require(Feature.FULL_CLONE);
            // copy from the target storage itself when it holds the version: that is where a reflink can work
            StorageBackend from = v.storages().contains(storageName) ? target : storages.get(v.primaryStorage());
            TemplateFiles base = locate(from, v);
            String format = options.format() != null ? options.format() : target.features().defaultFormat();
            // refused before the copy; a linked clone's format is the storage's own, checked when it grows
            if (settings.diskBytes() != null) target.require(Feature.RESIZE, FeatureTable.State.CURRENT, format);
            files = target.createFullClone(base.baseImage(), cloneName, format);
            kind = CloneKind.FULL;
        }
        try {
            Manifest m = v.manifest();
            Long templateSize = m.disk() == null ? null : m.disk().virtualSize();
            if (settings.diskBytes() != null && (templateSize == null || settings.diskBytes() > templateSize)) {
                target.growDisk(files, settings.diskBytes());
            }
            String instanceId = UUID.randomUUID().toString();
            String hostname = settings.hostname() != null ? settings.hostname() : cloneName;
            // host keys made here, at native speed: the guest installs them instead of making its own
            Path seed = seeds.write(files.dir(), new SeedBuilder.Seed(instanceId, hostname, keys,
                    HostKeys.generate("root@" + hostname), cloudConfig, NetworkConfig.of(nics, nets)));
            // a memory clone is made to start fast: it pays for the ISO now rather than at every first start
            if (kind == CloneKind.MEMORY) seeds.ensureIso(seed);
            VmConfig vm = new VmConfig(cloneName, v.ref(), kind.label(), storageName, Instant.now(),
                    new VmConfig.DiskRef(files.disk().target(), files.format(), backing),
                    seed.toString(),
                    new VmConfig.Machine(m.machineType(), m.cpuModel(), orElse(settings.cpus(), m.cpus()),
                            orElse(settings.memoryMiB(), m.memoryMiB()), m.devices()),
                    nics.stream().map(n -> new VmConfig.NicConfig(Devices.nicModel(m.devices()), n.mac(), n.network(), n.address())).toList(),
                    UUID.randomUUID().toString(), UUID.randomUUID().toString(), instanceId,
                    kind == CloneKind.MEMORY ? memory(locate(target, v), ram) : null);
            vm.write(files.vmConfig());
            CloneRecord record = new CloneRecord(cloneName, v.name(), v.version(), storageName, kind, vm.created(), vm.toJson());
            PausePoint.at("clone:before-catalog");
            // the addresses and MACs checked above, again where no other clone can slip in between
            catalog.addClone(record, others -> conflict(nics, claims(others)));
            // last: until now the directory is marked as a clone being made, which the recovery step and
            // 'ingot clone'/'ingot rm' of the same name clear once this process is gone
            CloneMarker.remove(files.dir());
            return new Clone(record, vm, files.vmConfig());
        } catch (IOException | RuntimeException e) {
            if (catalog.clone(cloneName).isEmpty()) target.deleteClone(cloneName);
            throw e;
        }
    }

    /**
     * What a memory clone of {@code source} on {@code storage} (null: the version's first storage) would
     * resume from, without making one: template, machine and RAM template files. The warm pool fills
     * itself from it; it has no disk, seed, NIC or identity.
     */
    public VmConfig memoryClonePrototype(String source, String storage) {
        TemplateVersion v = catalog.resolve(TemplateRef.parse(source));
        Manifest m = v.manifest();
        if (m.ram() == null) throw new UserError(v.ref() + " has no RAM template (build it with template.ram: true)");
        String storageName = storage != null ? storage : v.primaryStorage();
        if (!v.storages().contains(storageName)) {
            throw new UserError(v.ref() + " is on storage '" + String.join("', '", v.storages()) + "', not '" + storageName + "'");
        }
        // the capture overlay its clones' disks are overlays on: a warm pool process made ready has one of its own on it
        TemplateFiles base = locate(storages.get(storageName), v);
        Volume capture = storages.get(storageName).captureDisk(base, m.ram());
        VmConfig.DiskRef disk = capture.isFile() ? new VmConfig.DiskRef(null, "qcow2", capture.target()) : null;
        return new VmConfig("(warm pool)", v.ref(), CloneKind.MEMORY.label(), storageName, Instant.now(), disk, null,
                new VmConfig.Machine(m.machineType(), m.cpuModel(), m.cpus(), m.memoryMiB(), m.devices()), List.of(),
                null, null, null, memory(base, m.ram()));
    }

    /**
     * The NICs asked for; a memory clone always has one on the user network (added first when not asked): ingot's
     * own SSH forward, over which it gives the clone its identity before its other NICs have their addresses.
     */
    private static List<NicRequest> nicRequests(CloneSettings s, boolean ram) {
        if (!ram || s.nets().isEmpty() || s.nets().stream().anyMatch(NicRequest::isUser)) return s.nets();
        List<NicRequest> out = new ArrayList<>();
        out.add(new NicRequest(io.ingot.network.Network.USER, null, null));
        out.addAll(s.nets());
        return out;
    }

    /**
     * A memory clone of a template that kept its capture VM's NIC ({@code ram.keptNic()}) resumes with that NIC as its
     * first, on the user network, with the template's MAC (each clone's user network is its own: no other host sees it).
     */
    static List<AddressPlan.Planned> keptNic(List<AddressPlan.Planned> nics, CloneSettings settings, Manifest.Ram ram) {
        if (ram == null || ram.keptNic() == null || nics.isEmpty() || nics.get(0).network() != null) return nics;
        settings.nets().stream().filter(n -> n.isUser() && n.mac() != null && !n.mac().equals(ram.keptNic().mac())).findFirst()
                .ifPresent(n -> {
                    throw new UserError("--net user,mac=" + n.mac() + ": a memory clone's NIC on the user network is the one its"
                            + " RAM template kept, with its MAC " + ram.keptNic().mac() + " (mac= is for NICs on networks of networks.yaml)");
                });
        List<AddressPlan.Planned> out = new ArrayList<>(nics);
        out.set(0, new AddressPlan.Planned(null, ram.keptNic().mac(), null));
        return out;
    }

    /** The MACs and fixed addresses the recorded clones hold. */
    static List<AddressPlan.Claim> claims(List<CloneRecord> clones) {
        List<AddressPlan.Claim> out = new ArrayList<>();
        for (CloneRecord c : clones) {
            VmConfig vm;
            try {
                vm = VmConfig.fromJson(c.vmConfigJson());
            } catch (IOException e) {
                continue; // a row the catalog could not have taken; nothing to claim
            }
            if (vm.nics() == null) continue;
            for (VmConfig.NicConfig n : vm.nics()) out.add(new AddressPlan.Claim(c.name(), n.network(), AddressPlan.hostAddress(n.address()), n.mac()));
        }
        return out;
    }

    /**
     * A MAC or address of {@code nics} that {@code taken} already holds (a clone made meanwhile), as a refusal. A NIC on
     * QEMU's user network is on a network of its clone's own: its MAC clashes with none (memory clones of a template
     * that kept its NIC all have that NIC's MAC there).
     */
    static Optional<String> conflict(List<AddressPlan.Planned> nics, List<AddressPlan.Claim> taken) {
        for (AddressPlan.Planned n : nics) {
            for (AddressPlan.Claim c : taken) {
                if (n.network() != null && n.mac().equals(c.mac())) return Optional.of("mac " + n.mac() + " was just given to clone '" + c.owner() + "'; clone again");
                String a = AddressPlan.hostAddress(n.address());
                if (a != null && a.equals(c.address()) && n.network().equals(c.network())) {
                    return Optional.of("address " + a + " on network " + n.network() + " was just given to clone '" + c.owner() + "'; clone again");
                }
            }
        }
        return Optional.empty();
    }

    private static Integer orElse(Integer chosen, Integer template) { return chosen != null ? chosen : template; }

    /**
     * Refuses settings that cannot work, before anything is made: a memory clone resumes the template's machine as
     * captured, so its CPUs, memory and disk stay, and cloud-init has already run in it; a disk only grows.
     * Returns the owner's cloud-config (empty without --user-data).
     */
    private static Map<String, Object> checkSettings(CloneSettings s, TemplateVersion v, boolean ram) {
        Manifest m = v.manifest();
        if (ram) {
            String why = " the RAM template of " + v.ref() + " was captured with them; make a linked clone without --ram for that";
            if (s.cpus() != null && !s.cpus().equals(m.cpus())) {
                throw new UserError("a memory clone keeps its template's CPUs (" + m.cpus() + "), not --cpus " + s.cpus() + ":" + why);
            }
            if (s.memoryMiB() != null && !s.memoryMiB().equals(m.memoryMiB())) {
                throw new UserError("a memory clone keeps its template's memory (" + m.memoryMiB() + " MiB), not --memory "
                        + s.memoryMiB() + "M:" + why);
            }
            if (s.diskBytes() != null) throw new UserError("a memory clone keeps its template's disk size: its guest resumes"
                    + " with the disk it saw at the capture; make a linked clone without --ram to grow it");
            if (s.userData() != null) throw new UserError("a memory clone resumes after cloud-init has run, so --user-data"
                    + " would never run in it; use the recipe's onRestore, or a linked clone without --ram");
            if (s.hostname() != null) throw new UserError("a memory clone's host name is its clone name (onRestore sets it);"
                    + " drop --hostname");
        }
        if (s.cpus() != null && (s.cpus() < 1 || s.cpus() > 255)) throw new UserError("--cpus " + s.cpus() + ": expected 1 to 255");
        if (s.memoryMiB() != null && s.memoryMiB() < 64) throw new UserError("--memory " + s.memoryMiB() + "M: at least 64M");
        Long size = m.disk() == null ? null : m.disk().virtualSize();
        if (s.diskBytes() != null && size != null && s.diskBytes() < size) {
            throw new UserError("--disk-size " + Sizes.format(s.diskBytes()) + " is smaller than the disk of " + v.ref()
                    + " (" + Sizes.format(size) + "); a clone's disk can only grow");
        }
        if (s.diskBytes() != null && s.diskBytes() % 512 != 0) {
            throw new UserError("--disk-size " + s.diskBytes() + ": a disk size is a multiple of 512 bytes (use e.g. 8G)");
        }
        if (s.hostname() != null && !HOSTNAME.matcher(s.hostname()).matches()) {
            throw new UserError("--hostname '" + s.hostname() + "': expected letters, digits and '-' in dot-separated labels"
                    + " of at most 63 characters, not starting or ending with '-'");
        }
        return s.userData() == null ? Map.of() : SeedBuilder.readCloudConfig(s.userData());
    }

    private static VmConfig.Ram memory(TemplateFiles base, Manifest.Ram ram) {
        return new VmConfig.Ram(base.dir().resolve(ram.memoryFile().file()).toString(),
                base.dir().resolve(ram.stateFile().file()).toString(), ram.compatibility(), ram.nicModel(), ram.onRestore(),
                ram.restoreScriptSize(), ram.keptNic());
    }

    /** The files of version {@code v} on storage {@code b}, or a one-line error saying to reindex. */
    public static TemplateFiles locate(StorageBackend b, TemplateVersion v) {
        return b.locate(v.name(), v.version()).orElseThrow(() -> new UserError(
                "template version " + v.ref() + " is in the catalog but its files are missing on storage '" + b.name() + "' (run: ingot catalog reindex)"));
    }

    /** Public keys from a file in authorized_keys form; blank lines and comments are skipped. */
    static List<String> readKeys(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UserError("cannot read SSH key file " + file + ": " + e.getMessage());
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.isEmpty() || l.startsWith("#")) continue;
            if (l.contains("PRIVATE KEY")) throw new UserError(file + ": this is a private key; give the public key (.pub)");
            if (!l.matches("(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\\d+|sk-\\S+)\\s+[A-Za-z0-9+/=]+(\\s.*)?")) {
                throw new UserError(file + ":" + (i + 1) + ": not an SSH public key line");
            }
            keys.add(l);
        }
        if (keys.isEmpty()) throw new UserError(file + ": no SSH public key in it");
        return keys;
    }

    /**
     * Removes what an interrupted {@code ingot clone} left of a clone that was never recorded; false when there is
     * no such leftover. A clone still being made by a live process is refused.
     */
    public boolean removeHalfMade(String cloneName) throws IOException {
        TemplateRef.checkName(cloneName, "clone name");
        boolean removed = false;
        for (String s : storages.config().storages().keySet()) {
            Optional<CloneMarker.Found> m = CloneMarker.of(storages.config().entry(s).path().resolve("clones").resolve(cloneName));
            if (m.isEmpty()) continue;
            if (m.get().ownerAlive()) {
                throw new UserError("clone '" + cloneName + "' is being made by process " + m.get().pid() + " on storage '" + s + "'");
            }
            storages.get(s).deleteClone(cloneName);
            removed = true;
        }
        return removed;
    }

    /** Removes a clone: its files (renamed aside first), then its row. */
    public void remove(String cloneName) throws IOException {
        CloneRecord r = catalog.clone(cloneName).orElseThrow(() -> new UserError("no clone '" + cloneName + "' (see: ingot clones)"));
        StorageBackend storage = storages.get(r.storage());
        var files = storage.locateClone(cloneName);
        if (files.isPresent()) {
            var running = RunningClone.read(files.get().dir());
            if (running.isPresent()) {
                throw new UserError("clone '" + cloneName + "' is running (pid " + running.get().pid()
                        + "); stop it first: ingot stop " + cloneName);
            }
        }
        storage.deleteClone(cloneName);
        catalog.deleteClone(cloneName);
    }
}
