package io.ingot.target.glance;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.qemu.QemuImg;
import io.ingot.target.Handover;
import io.ingot.target.Target;
import io.ingot.target.TargetType;
import io.ingot.util.Trees;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A Glance endpoint: a push creates the image with its properties, uploads the disk (qcow2, or raw converted
 * here), waits for it to be active and checks that Glance stored what was sent (size, md5 {@code checksum}, and
 * {@code os_hash_value} where Glance hashes with sha512). The image is deleted again when any step fails.
 */
final class GlanceTarget implements Target {
    private static final Duration ACTIVE_WITHIN = Duration.ofMinutes(10);

    private final TargetType type;
    private final GlanceTargetType.Options options;
    private final GlanceClient glance;
    private final GlanceRbd rbd;

    /** {@code rbd}: where the image goes in Glance's rbd layout, or null to upload it through Glance. */
    GlanceTarget(TargetType type, GlanceTargetType.Options options, GlanceClient glance, GlanceRbd rbd) {
        this.type = type;
        this.options = options;
        this.glance = glance;
        this.rbd = rbd;
    }

    @Override public TargetType type() { return type; }

    @Override public String location() { return options.location(); }

    @Override public Optional<String> requestedName() { return Optional.ofNullable(options.name()); }

    /** What ingot sent: Glance's own checksums of it are compared with these. */
    record Digests(long size, String md5, String sha256, String sha512) {
        static Digests of(Path file) throws IOException {
            try {
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
                long size = 0;
                byte[] buf = new byte[1 << 20];
                try (InputStream in = Files.newInputStream(file)) {
                    for (int n; (n = in.read(buf)) > 0; size += n) {
                        md5.update(buf, 0, n);
                        sha256.update(buf, 0, n);
                        sha512.update(buf, 0, n);
                    }
                }
                HexFormat hex = HexFormat.of();
                return new Digests(size, hex.formatHex(md5.digest()), hex.formatHex(sha256.digest()), hex.formatHex(sha512.digest()));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public Delivered deliver(Handover h, Consumer<String> progress) throws IOException {
        Path scratch = Files.createTempDirectory("ingot-glance-");
        String id = null;
        boolean rbdWritten = false;
        boolean done = false;
        try {
            Path data = h.fullDisk();
            if (options.diskFormat().equals("raw")) {
                data = scratch.resolve("disk.raw");
                progress.accept("converting the disk to raw for Glance");
                new QemuImg().convert(h.fullDisk(), h.fullFormat(), data, "raw", false);
            }
            Digests sent = Digests.of(data);
            // asked before anything is made: an unreachable cluster leaves nothing in Glance
            String fsid = rbd == null ? null : rbd.fsid();
            id = glance.create(GlanceImage.attributes(h, options, h.name(), sent.sha256()));
            if (rbd == null) {
                progress.accept("created Glance image " + id + " '" + h.name() + "' at " + glance.endpoint() + "; uploading "
                        + sent.size() / (1 << 20) + " MiB (" + options.diskFormat() + ")");
                try {
                    glance.upload(id, data);
                } catch (UserError e) {
                    throw e;
                } catch (IOException e) {
                    throw new UserError("the upload to Glance at " + glance.endpoint() + " broke off: " + e.getMessage());
                }
            } else {
                progress.accept("created Glance image " + id + " '" + h.name() + "' at " + glance.endpoint() + "; writing "
                        + sent.size() / (1 << 20) + " MiB into rbd " + rbd.pool() + "/" + id + "@" + GlanceRbd.SNAPSHOT);
                rbdWritten = true;
                rbd.write(id, data);
                String url = GlanceRbd.location(fsid, rbd.pool(), id);
                try {
                    glance.addLocation(id, url, Map.of("checksum", sent.md5(), "os_hash_algo", "sha512", "os_hash_value", sent.sha512()));
                } catch (UserError e) {
                    throw new UserError(e.getMessage() + " (Glance needs an rbd store on that cluster and show_multiple_locations = True)");
                }
                progress.accept("Glance image " + id + " reads " + url);
            }
            JsonNode image = active(id);
            verify(id, image, sent);
            progress.accept("Glance image " + id + " is active: " + sent.size() + " bytes, checksums match");
            done = true;
            String what = h.cloneName() != null ? "clone " + h.cloneName() + " of " + h.version().ref() : h.version().ref();
            return new Delivered(id, "full copy of " + what + ": Glance image " + id + " '" + h.name() + "' at " + glance.endpoint()
                    + " (" + options.diskFormat() + ", " + sent.size() + " bytes" + (rbd == null ? "" : ", on rbd " + rbd.pool() + "/" + id
                    + "@" + GlanceRbd.SNAPSHOT + ": Nova and Cinder clone it copy-on-write") + ")");
        } finally {
            if (!done && id != null) {
                try {
                    glance.delete(id);
                    progress.accept("deleted Glance image " + id + " again");
                } catch (IOException | RuntimeException e) {
                    progress.accept("could not delete Glance image " + id + " at " + glance.endpoint() + ": " + e.getMessage());
                }
                // Glance deletes what its location names; what it never took is ingot's to remove
                if (rbdWritten) {
                    try {
                        List<String> left = rbd.remove(id);
                        progress.accept(left.isEmpty() ? "removed rbd " + rbd.pool() + "/" + id + " again" : "left in Ceph: " + String.join("; ", left));
                    } catch (IOException | RuntimeException e) {
                        progress.accept("could not remove rbd " + rbd.pool() + "/" + id + ": " + e.getMessage());
                    }
                }
            }
            Trees.deleteQuietly(scratch);
        }
    }

    /** Glance marks an image active once its store has all of it; killed or deleted means the upload failed. */
    private JsonNode active(String id) throws IOException {
        Instant until = Instant.now().plus(ACTIVE_WITHIN);
        while (true) {
            JsonNode image = glance.image(id).orElseThrow(() -> new UserError("Glance at " + glance.endpoint() + " lost image " + id + " during the upload"));
            String status = image.path("status").asText();
            if (status.equals("active")) return image;
            if (!status.equals("queued") && !status.equals("saving") && !status.equals("importing")) {
                throw new UserError("Glance at " + glance.endpoint() + " put image " + id + " in status '" + status + "' after the upload");
            }
            if (Instant.now().isAfter(until)) {
                throw new UserError("Glance image " + id + " at " + glance.endpoint() + " is still '" + status + "' after " + ACTIVE_WITHIN.toMinutes() + " minutes");
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for Glance image " + id, e);
            }
        }
    }

    /** Glance's size and checksums of what it stored against what was sent. */
    static void verify(String id, JsonNode image, Digests sent) {
        StringBuilder differs = new StringBuilder();
        if (image.path("size").asLong(-1) != sent.size()) differs.append(" size ").append(image.path("size").asText()).append(" (sent ").append(sent.size()).append(')');
        if (!sent.md5().equals(image.path("checksum").asText())) differs.append(" checksum ").append(image.path("checksum").asText());
        if ("sha512".equals(image.path("os_hash_algo").asText()) && !sent.sha512().equals(image.path("os_hash_value").asText())) {
            differs.append(" os_hash_value (sha512) ").append(image.path("os_hash_value").asText());
        }
        if (!differs.isEmpty()) throw new UserError("Glance stored image " + id + " unlike what ingot sent:" + differs);
    }

    @Override
    public Presence presence(DeliveryRecord d, Path baseImage) {
        try {
            return glance.image(d.reference()).map(i -> Presence.uses("Glance image " + d.reference() + " (" + i.path("status").asText() + ")"))
                    .orElseGet(() -> Presence.gone("Glance at " + glance.endpoint() + " has no image " + d.reference()));
        } catch (IOException | UserError e) {
            return Presence.unknown(e.getMessage());
        }
    }
}
