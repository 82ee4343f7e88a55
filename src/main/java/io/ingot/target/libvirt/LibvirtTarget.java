package io.ingot.target.libvirt;

import io.ingot.catalog.DeliveryRecord;
import io.ingot.target.Handover;
import io.ingot.target.Target;
import io.ingot.target.TargetType;
import io.ingot.util.Command;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A libvirt connection and storage pool: a push makes the disk volume (a qcow2 overlay whose backing store is the
 * template's base image, or an uploaded copy), the seed ISO volume, and defines the domain, all through virsh. Each
 * step made is undone, newest first, when a later one fails: nothing half-made is left there.
 */
final class LibvirtTarget implements Target {
    private final TargetType type;
    private final Virsh virsh;
    private final String pool;
    private final String name;
    private final String network;
    private final String domainType;
    private final boolean local;
    private final boolean asRoot;

    LibvirtTarget(TargetType type, Virsh virsh, String pool, String name, String network, String domainType, boolean local,
                  boolean asRoot) {
        this.type = type;
        this.virsh = virsh;
        this.pool = pool;
        this.name = name;
        this.network = network;
        this.domainType = domainType;
        this.local = local;
        this.asRoot = asRoot;
    }

    @Override public TargetType type() { return type; }

    @Override
    public String location() {
        return virsh.uri() + (virsh.uri().contains("?") ? "&" : "?") + "pool=" + pool;
    }

    @Override public Optional<String> requestedName() { return Optional.ofNullable(name); }

    static String diskVolume(String domain) { return domain + ".qcow2"; }

    static String seedVolume(String domain) { return domain + "-seed.iso"; }

    @Override
    public Delivered deliver(Handover h, Consumer<String> progress) throws IOException {
        String domain = h.name();
        reachable();
        checkPool();
        if (virsh.exec("dominfo", domain).ok()) throw new UserError("libvirt at " + virsh.uri() + " has a domain named '" + Virsh.printable(domain) + "' already");
        for (String vol : new String[] {diskVolume(domain), seedVolume(domain)}) {
            if (virsh.exec("vol-info", "--pool", pool, vol).ok()) {
                throw new UserError("storage pool '" + pool + "' at " + virsh.uri() + " has a volume '" + Virsh.printable(vol) + "' already");
            }
        }
        Deque<String[]> undo = new ArrayDeque<>();
        Path scratch = Files.createTempDirectory("ingot-libvirt-");
        try {
            String disk = diskVolume(domain);
            String refused = "libvirt at " + virsh.uri() + " refused ";
            if (h.linked()) {
                if (local && !asRoot) unreadableByOthers(h.baseImage()).ifPresent(why -> progress.accept("warning: libvirt's QEMU (user libvirt-qemu,"
                        + " unless qemu.conf says otherwise) may not read the base image " + h.baseImage() + ": " + why
                        + " (or push with run-as=root)"));
                Path xml = scratch.resolve("disk.xml");
                Files.writeString(xml, DomainXml.volume(disk, h.virtualSize(), h.baseImage().toString(), h.baseFormat()));
                virsh.run(refused + "the volume '" + disk + "'", "vol-create", pool, xml.toString());
                undo.push(new String[] {"vol-delete", "--pool", pool, disk});
                progress.accept("made volume " + disk + " in pool " + pool + ": a qcow2 overlay on " + h.baseImage());
            } else {
                Path xml = scratch.resolve("disk.xml");
                Files.writeString(xml, DomainXml.volume(disk, h.virtualSize(), null, null));
                virsh.run(refused + "the volume '" + disk + "'", "vol-create", pool, xml.toString());
                undo.push(new String[] {"vol-delete", "--pool", pool, disk});
                progress.accept("uploading " + Files.size(h.fullDisk()) / (1 << 20) + " MiB into volume " + disk + " in pool " + pool);
                virsh.upload("cannot upload the disk into '" + disk + "'", "vol-upload", "--pool", pool, disk, h.fullDisk().toString());
            }
            String seed = seedVolume(domain);
            virsh.run(refused + "the volume '" + seed + "'", "vol-create-as", pool, seed, String.valueOf(Files.size(h.seedIso())), "--format", "raw");
            undo.push(new String[] {"vol-delete", "--pool", pool, seed});
            virsh.upload("cannot upload the seed into '" + seed + "'", "vol-upload", "--pool", pool, seed, h.seedIso().toString());
            Path xml = scratch.resolve("domain.xml");
            String what = h.cloneName() != null ? "clone " + h.cloneName() + " of " + h.version().ref() : h.version().ref();
            Files.writeString(xml, DomainXml.domain(new DomainXml.Spec(domain, domainType(h), h.machine(),
                    volumePath(disk), h.linked() ? h.baseImage().toString() : null, h.baseFormat(), volumePath(seed), h.nic(), network,
                    h.smbiosUuid(), h.vmgenid(), "ingot push of " + what + (h.linked() ? " (linked: reads " + h.baseImage() + ")" : ""),
                    asRoot)));
            virsh.run(refused + "the domain '" + domain + "'", "define", xml.toString());
            undo.push(new String[] {"undefine", "--nvram", domain});
            progress.accept("defined domain " + domain + " at " + virsh.uri());
            undo.clear();
            return new Delivered(domain, (h.linked() ? "linked" : "full") + " clone " + domain + " of " + what + ": libvirt domain at "
                    + virsh.uri() + ", volumes " + disk + " and " + seed + " in pool " + pool);
        } finally {
            // newest first: the domain before the volumes it names
            while (!undo.isEmpty()) {
                String[] step = undo.pop();
                Command.Result r = virsh.exec(step);
                if (!r.ok()) progress.accept("could not undo " + String.join(" ", step) + ": " + Virsh.oneLine(r));
            }
            try (var files = Files.list(scratch)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(scratch);
        }
    }

    @Override
    public Presence presence(DeliveryRecord d, Path baseImage) {
        Command.Result uri = virsh.exec("uri");
        if (!uri.ok()) return Presence.unknown("cannot reach libvirt at " + virsh.uri() + ": " + Virsh.oneLine(uri));
        String base = DomainXml.esc(baseImage.toString());
        Command.Result dom = virsh.exec("dumpxml", "--inactive", d.reference());
        if (dom.ok() && dom.stdout().contains("'" + base + "'")) return Presence.uses("domain " + d.reference());
        Command.Result vol = virsh.exec("vol-dumpxml", "--pool", pool, diskVolume(d.reference()));
        if (vol.ok() && vol.stdout().contains(">" + base + "<")) return Presence.uses("volume " + diskVolume(d.reference()) + " in pool " + pool);
        return Presence.gone("neither domain " + d.reference() + " nor volume " + diskVolume(d.reference()) + " reads " + baseImage);
    }

    /**
     * Why a user other than root could not read {@code base}: libvirt's QEMU reads it as libvirt-qemu, and the base is
     * never relabelled for it (it stays ingot's). Empty when base images (0444) sit in searchable directories.
     */
    static Optional<String> unreadableByOthers(Path base) {
        try {
            if (!PosixFilePermissions.toString(Files.getPosixFilePermissions(base)).substring(6).startsWith("r")) {
                return Optional.of("it is not readable by others");
            }
            for (Path d = base.toAbsolutePath().getParent(); d != null; d = d.getParent()) {
                if (PosixFilePermissions.toString(Files.getPosixFilePermissions(d)).charAt(8) != 'x') {
                    return Optional.of(d + " is not searchable by others (chmod o+x " + d + ")");
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }

    private void reachable() {
        Command.Result r = virsh.exec("uri");
        if (!r.ok()) throw new UserError("cannot reach libvirt at " + virsh.uri() + ": " + Virsh.oneLine(r));
    }

    private void checkPool() {
        Command.Result info = virsh.exec("pool-info", pool);
        if (!info.ok()) {
            Command.Result list = virsh.exec("pool-list", "--all", "--name");
            String pools = list.ok() ? String.join(", ", list.stdout().strip().split("\\s+")) : "";
            throw new UserError("libvirt at " + virsh.uri() + " has no storage pool '" + pool + "'"
                    + (pools.isBlank() ? "" : " (pools: " + pools + ")"));
        }
        if (!info.stdout().matches("(?s).*State:\\s+running.*")) {
            throw new UserError("storage pool '" + pool + "' at " + virsh.uri() + " is not active; start it: virsh -c " + virsh.uri() + " pool-start " + pool);
        }
    }

    private String volumePath(String volume) {
        return virsh.run("libvirt at " + virsh.uri() + " has no path for volume '" + volume + "'", "vol-path", "--pool", pool, volume).strip();
    }

    /** kvm where ingot would use KVM itself (a local libvirt) or the URI says so; qemu (TCG) otherwise. */
    private String domainType(Handover h) {
        if (domainType != null) return domainType;
        if (!local) return "kvm";
        return "kvm".equals(h.accelerator().get()) ? "kvm" : "qemu";
    }
}
