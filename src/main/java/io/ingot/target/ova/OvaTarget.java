package io.ingot.target.ova;

import io.ingot.catalog.DeliveryRecord;
import io.ingot.qemu.QemuImg;
import io.ingot.target.Handover;
import io.ingot.target.Target;
import io.ingot.target.TargetType;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One OVA file. The push converts the disk to a stream-optimized VMDK, writes the descriptor and the archive into a
 * folder of its own beside the file, and renames the archive into place last: a push that fails leaves no file and
 * no folder behind, and one that is refused leaves an existing file as it was.
 */
final class OvaTarget implements Target {
    private final TargetType type;
    private final String text;
    private final Path file;
    private final String name;
    private final boolean force;

    OvaTarget(TargetType type, String text, Path file, String name, boolean force) {
        this.type = type;
        this.text = text;
        this.file = file;
        this.name = name;
        this.force = force;
    }

    @Override public TargetType type() { return type; }

    /** The folder: the file itself is the reference. */
    @Override public String location() { return "ova:" + file.getParent(); }

    /** The name of the machine inside (a pushed clone keeps its own); the file's name is the URI's. */
    @Override public Optional<String> requestedName() { return Optional.ofNullable(name); }

    @Override
    public Delivered deliver(Handover h, Consumer<String> progress) throws IOException {
        Path folder = file.getParent();
        if (!Files.isDirectory(folder)) throw new UserError("target '" + text + "': folder " + folder + " does not exist");
        if (Files.exists(file) && !force) {
            throw new UserError("target '" + text + "': " + file + " exists already (add ?force=true to replace it)");
        }
        if (!Files.isWritable(folder)) throw new UserError("target '" + text + "': folder " + folder + " is not writable");
        String base = file.getFileName().toString();
        String stem = base.substring(0, base.length() - ".ova".length());
        // hidden, beside the file: the rename at the end stays on one file system, and a crash leaves a name that says what it was
        Path scratch = Files.createTempDirectory(folder, "." + base + ".ingot-");
        try {
            Path vmdk = scratch.resolve(stem + "-disk1.vmdk");
            OvfEnvelope.Controller controller = OvfEnvelope.Controller.of(h.machine().devices());
            progress.accept("converting the disk to a stream-optimized VMDK (" + vmdk.getFileName() + ")");
            new QemuImg().convertInOrder(h.fullDisk(), h.fullFormat(), vmdk, "vmdk",
                    List.of("subformat=streamOptimized", "adapter_type=" + controller.vmdkAdapter()));
            String what = h.cloneName() != null ? "clone " + h.cloneName() + " of " + h.version().ref() : h.version().ref();
            String sha = h.version().manifest().disk() == null ? null : h.version().manifest().disk().sha256();
            String descriptor = OvfEnvelope.of(new OvfEnvelope.Spec(h.name(), "ingot push of " + what
                    + (sha == null || h.cloneName() != null ? "" : " (base image sha256 " + sha + ")"),
                    h.machine(), vmdk.getFileName().toString(), Files.size(vmdk), h.virtualSize(), h.nic().model(),
                    h.cloneName() != null ? h.nic().mac() : null));
            Path archive = scratch.resolve(base);
            progress.accept("writing " + base + ": " + stem + ".ovf, " + stem + ".mf, " + vmdk.getFileName());
            OvaArchive.write(archive, stem, descriptor, List.of(vmdk));
            if (Files.exists(file) && !force) throw new UserError("target '" + text + "': " + file + " appeared meanwhile; it is left as it is");
            Files.move(archive, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            progress.accept("wrote " + file + " (" + Files.size(file) / (1 << 20) + " MiB)");
            return new Delivered(file.toString(), "full copy " + h.name() + " of " + what + ": OVA " + file
                    + " (OVF 1.0, stream-optimized VMDK, SHA256 manifest)");
        } finally {
            Trees.deleteQuietly(scratch);
        }
    }

    /** An OVA never reads a base image elsewhere: nothing of a version is held by it. */
    @Override
    public Presence presence(DeliveryRecord d, Path baseImage) {
        return Presence.gone("an OVA is a full copy");
    }
}
