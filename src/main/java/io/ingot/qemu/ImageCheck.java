package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Command;
import io.ingot.util.Json;
import io.ingot.util.Sizes;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The one check every disk image that comes into ingot passes before it is registered or used: a pull, an S3 pull,
 * a worker's result, a recipe's {@code media.disk}, a build's publish. A qcow2 or vmdk can name other files (a
 * backing file, a data file, extents) and whatever opens it reads them: a pulled base image naming a host file as
 * its backing file hands that file's bytes to every clone. So qemu-img reads the file alone here (its format given,
 * never probed, nothing it names opened), the facts are held against a {@link Policy}, and only then does
 * {@code qemu-img check} run, on the file alone too. A refusal is one line: the file's name and why.
 */
public final class ImageCheck {
    /** The largest virtual size taken in unless storage.yaml's {@code imports.maxVirtualSize} says otherwise. */
    public static final long DEFAULT_MAX_VIRTUAL_SIZE = 2L << 40;
    /** The qcow2 properties of the images ingot makes; any other (data-file, encrypt, bitmaps, ...) is refused. */
    private static final Set<String> QCOW2_KEYS = Set.of("compat", "compression-type", "lazy-refcounts", "refcount-bits",
            "corrupt", "extended-l2");
    /** The VMDK kinds that keep their data in the file itself (a descriptor file names its extents elsewhere). */
    private static final Set<String> VMDK_SELF_CONTAINED = Set.of("monolithicSparse", "streamOptimized");
    private static final byte[] VMDK_DESCRIPTOR = ascii("# Disk DescriptorFile");
    /**
     * Headers of image formats QEMU probes for. A file said to be raw that starts with one is refused: ingot reads it
     * as raw, but a tool that probes (or a user who trusts the header) would follow what it names.
     */
    private static final List<Magic> MAGICS = List.of(
            new Magic("qcow2", 0, new byte[] {'Q', 'F', 'I', (byte) 0xfb}), new Magic("QED", 0, new byte[] {'Q', 'E', 'D', 0}),
            new Magic("vmdk", 0, ascii("KDMV")), new Magic("vmdk", 0, ascii("COWD")), new Magic("vmdk", 0, VMDK_DESCRIPTOR),
            new Magic("vhdx", 0, ascii("vhdxfile")), new Magic("vpc", 0, ascii("conectix")),
            new Magic("vdi", 0x40, new byte[] {0x7f, 0x10, (byte) 0xda, (byte) 0xbe}),
            new Magic("LUKS", 0, new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe}),
            new Magic("parallels", 0, ascii("WithoutFreeSpace")), new Magic("parallels", 0, ascii("WithouFreSpacExt")),
            new Magic("bochs", 0, ascii("Bochs Virtual HD Image")), new Magic("cloop", 0, ascii("#!/bin/sh\n#V2.0 Format")));

    private record Magic(String format, int offset, byte[] bytes) { }

    /**
     * What an image may be, by its role: the format its manifest (or recipe) says it is, and the backing file names
     * it may carry with their format. A base image carries none; an overlay (a RAM template's capture disk) only
     * names of its version's base image, relative to it.
     */
    public record Policy(String format, List<String> backings, String backingFormat) {
        public Policy {
            QemuImg.checkFormat(format);
            backings = List.copyOf(backings);
            for (String b : backings) {
                if (b.isEmpty() || b.startsWith("/") || b.contains(":") || b.contains("//")) {
                    throw new IllegalArgumentException("not a relative backing name: " + b);
                }
            }
            if (!backings.isEmpty()) QemuImg.checkFormat(backingFormat);
        }

        /** A disk that stands alone: no backing file. */
        public static Policy standalone(String format) {
            return new Policy(format, List.of(), null);
        }

        /** A qcow2 overlay whose backing file, if any, is one of {@code backings} (exactly as written) in {@code backingFormat}. */
        public static Policy overlay(List<String> backings, String backingFormat) {
            return new Policy("qcow2", backings, backingFormat);
        }
    }

    /** What an accepted image is (backing null: none). */
    public record Facts(String format, long virtualSize, String backing, String backingFormat) { }

    private final QemuImg qemuImg;
    private final long maxVirtualSize;

    public ImageCheck(QemuImg qemuImg, long maxVirtualSize) {
        if (maxVirtualSize <= 0) throw new IllegalArgumentException("maxVirtualSize " + maxVirtualSize);
        this.qemuImg = qemuImg;
        this.maxVirtualSize = maxVirtualSize;
    }

    public long maxVirtualSize() { return maxVirtualSize; }

    /**
     * Accepts {@code image} as {@code policy} says or refuses it with a {@link UserError}
     * "{@code NAME: refused: WHY}"; {@code name} is how the user knows the file.
     */
    public Facts check(Path image, String name, Policy policy) throws IOException {
        String format = policy.format();
        if (!Files.isRegularFile(image)) throw refused(name, "not a regular file");
        byte[] head = head(image);
        if (format.equals("raw")) {
            for (Magic m : MAGICS) {
                if (startsWith(head, m.offset(), m.bytes())) throw refused(name, "said to be raw, but it is a " + m.format() + " image");
            }
        }
        if (format.equals("vmdk") && startsWith(head, 0, VMDK_DESCRIPTOR)) {
            throw refused(name, "a VMDK descriptor, which names other files as its extents");
        }
        Command.Result info = qemuImg.infoAlone(image, format);
        if (info.exitCode() != 0) throw refused(name, "not a " + format + " image (" + qemuMessage(info.stderr()) + ")");
        JsonNode n = Json.MAPPER.readTree(info.stdout());
        QemuImg.Info facts = QemuImg.parse(n);
        checkBacking(name, facts, policy);
        checkContents(name, image, format, n);
        if (facts.virtualSize() > maxVirtualSize) {
            throw refused(name, "its virtual size, " + Sizes.format(facts.virtualSize()) + ", is over the import limit of "
                    + Sizes.format(maxVirtualSize) + " (imports.maxVirtualSize in storage.yaml)");
        }
        if (!format.equals("raw")) verify(name, image, format); // raw has no metadata of its own to check
        return new Facts(format, facts.virtualSize(), facts.backingFilename(), facts.backingFormat());
    }

    private static void checkBacking(String name, QemuImg.Info info, Policy policy) {
        String b = info.backingFilename();
        if (b == null) return;
        String named = printable(b) + " (" + kind(b) + ")";
        if (policy.backings().isEmpty()) throw refused(name, "a base image stands alone, but it names a backing file: " + named);
        if (!policy.backings().contains(b)) {
            throw refused(name, "its backing file " + named + " is not its version's base image (" + String.join(" or ", policy.backings()) + ")");
        }
        if (info.backingFormat() == null) throw refused(name, "its backing file " + b + " has no recorded format (QEMU would probe it)");
        if (!info.backingFormat().equals(policy.backingFormat())) {
            throw refused(name, "its backing file " + b + " is recorded as " + printable(info.backingFormat()) + ", not " + policy.backingFormat());
        }
    }

    /** What a backing name would make QEMU open, in words. */
    static String kind(String backing) {
        if (backing.startsWith("json:")) return "a json: block specification, not a file name";
        int colon = backing.indexOf(':');
        if (colon > 0 && backing.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            return "protocol " + printable(backing.substring(0, colon + 1)) + ", not a file name";
        }
        if (backing.startsWith("/")) return "an absolute path on this host";
        if (Arrays.asList(backing.split("/")).contains("..")) return "a relative path out of its folder";
        return "a relative path";
    }

    /** What the image keeps beyond its own clusters: encryption, snapshots, a data file, extents, unknown features. */
    private static void checkContents(String name, Path image, String format, JsonNode n) {
        if (n.path("encrypted").asBoolean(false)) throw refused(name, "it is encrypted");
        if (n.path("snapshots").size() > 0) throw refused(name, "it holds internal snapshots");
        JsonNode data = n.path("format-specific").path("data");
        if (format.equals("qcow2")) {
            if (data.hasNonNull("data-file")) throw refused(name, "its data is in an external data file: " + printable(data.get("data-file").asText()));
            if (data.has("encrypt")) throw refused(name, "it is encrypted");
            if (data.path("corrupt").asBoolean(false)) throw refused(name, "it is marked corrupt");
            for (Iterator<String> keys = data.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (!QCOW2_KEYS.contains(key)) throw refused(name, "it has the qcow2 feature '" + printable(key) + "', which ingot does not take in");
            }
        } else if (format.equals("vmdk")) {
            String type = data.path("create-type").asText();
            if (!VMDK_SELF_CONTAINED.contains(type)) throw refused(name, "a " + printable(type) + " VMDK, which keeps its data in other files");
            Path self = image.toAbsolutePath().normalize();
            for (JsonNode e : data.path("extents")) {
                String file = e.path("filename").asText();
                if (!Path.of(file).toAbsolutePath().normalize().equals(self)) throw refused(name, "its VMDK extent " + printable(file) + " is another file");
            }
        }
    }

    /** {@code qemu-img check}: corruptions or a check that cannot finish refuse it; leaked clusters only waste space. */
    private void verify(String name, Path image, String format) throws IOException {
        Command.Result r = qemuImg.checkAlone(image, format);
        if (r.exitCode() == 0 || r.exitCode() == 3) return;
        String why = r.exitCode() == 2 ? summary(r.stdout()) : qemuMessage(r.stderr().isBlank() ? r.stdout() : r.stderr());
        throw refused(name, "qemu-img check found errors (exit " + r.exitCode() + ": " + why + ")");
    }

    private static Refused refused(String name, String why) {
        return new Refused(printable(name) + ": refused: " + why);
    }

    /** An image refused by the check: it will be refused again, so whoever retries on failure gives up at once. */
    public static final class Refused extends UserError {
        Refused(String message) { super(message); }
    }

    /** qemu-img's message on one line, without its prefix and the json: specification it was given. */
    private static String qemuMessage(String stderr) {
        String s = stderr.strip().replaceFirst("^qemu-img: ", "");
        int spec = s.indexOf("}': ");
        if (s.startsWith("Could not open 'json:") && spec > 0) s = s.substring(spec + 4);
        return printable(s.lines().findFirst().orElse("no message"));
    }

    /** "N errors were found on the image." rather than the first of N lines of details. */
    private static String summary(String checkOutput) {
        return printable(checkOutput.lines().filter(l -> l.contains("were found")).findFirst()
                .orElse(checkOutput.lines().findFirst().orElse("")).strip());
    }

    /** Names and messages come from the image: control characters would break the one line. */
    private static String printable(String s) {
        return s.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static byte[] head(Path image) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            return in.readNBytes(512);
        }
    }

    private static boolean startsWith(byte[] head, int offset, byte[] magic) {
        if (head.length < offset + magic.length) return false;
        return Arrays.equals(head, offset, offset + magic.length, magic, 0, magic.length);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
