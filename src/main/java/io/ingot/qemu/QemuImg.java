package io.ingot.qemu;

import io.ingot.util.Command;
import io.ingot.util.Json;
import io.ingot.util.UserError;
import io.ingot.util.ProgressBar;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The qemu-img operations storage needs. */
public final class QemuImg {
    public static final List<String> FORMATS = List.of("raw", "qcow2", "vmdk");

    private static final Pattern PROGRESS = Pattern.compile("\\((\\d+(?:\\.\\d+)?)/100%\\)");
    /** info reads headers only: one that takes longer is stuck on something it opened. */
    private static final Duration INSPECT_TIMEOUT = Duration.ofMinutes(2);

    private final String binary;
    private final ProgressBar.Factory progress;
    /** Before conversions: {@code nice -n 19} for one that must not slow a VM booting beside it, else nothing. */
    private final List<String> convertPrefix;

    public QemuImg() { this("qemu-img"); }

    public QemuImg(String binary) { this(binary, ProgressBar.Factory.NONE); }

    /** Conversions show their progress through {@code progress} (the CLI's: a bar on a terminal). */
    public QemuImg(ProgressBar.Factory progress) { this("qemu-img", progress); }

    public QemuImg(String binary, ProgressBar.Factory progress) {
        this(binary, progress, List.of());
    }

    private QemuImg(String binary, ProgressBar.Factory progress, List<String> convertPrefix) {
        this.binary = binary;
        this.progress = progress;
        this.convertPrefix = convertPrefix;
    }

    /**
     * The same, its conversions at the lowest CPU priority: they take the CPU time a VM booting beside them leaves
     * (an emulated guest's boot is mostly one busy vCPU at a time), instead of slowing that boot as much as they gain.
     */
    public QemuImg yielding() {
        return new QemuImg(binary, progress, List.of("nice", "-n", "19"));
    }

    /** Image facts from {@code qemu-img info --output=json}. */
    public record Info(String format, long virtualSize, long actualSize, String backingFilename, String backingFormat) { }

    /** Facts of a file in {@code format}, never probed: qemu-img would take a raw disk holding a qcow2 header for qcow2. */
    public Info info(Path image, String format) throws IOException {
        return info(image.toString(), format);
    }

    /** The same for anything qemu-img opens: a file, or a block URI such as {@code rbd:POOL/IMAGE:conf=...}. */
    public Info info(String image, String format) throws IOException {
        return parse(Json.MAPPER.readTree(Command.run(List.of(binary, "info", "--output=json", "-f", checkFormat(format), image))));
    }

    /**
     * {@code qemu-img info --output=json} of the file alone, as it came: opened by the file driver in {@code format}
     * (no protocol prefix, no probing), its backing file not opened. A refusal (not that format) is the exit code.
     */
    public Command.Result infoAlone(Path image, String format) throws IOException {
        return Command.exec(List.of(binary, "info", "--output=json", alone(image, format)), INSPECT_TIMEOUT);
    }

    /**
     * Of the clusters a qcow2 file holds (alone, as {@link #infoAlone}), the share that is compressed, from {@code qemu-img
     * check --output=json} (reads only its metadata); 0 for one with errors or leaks.
     */
    public double compressedShare(Path image) throws IOException {
        Command.Result r = Command.exec(List.of(binary, "check", "--output=json", alone(image, "qcow2")), INSPECT_TIMEOUT);
        if (r.exitCode() != 0) return 0;
        JsonNode n = Json.MAPPER.readTree(r.stdout());
        long allocated = n.path("allocated-clusters").asLong();
        return allocated == 0 ? 0 : (double) n.path("compressed-clusters").asLong() / allocated;
    }

    /** {@code qemu-img check} of the file alone (as {@link #infoAlone}): its own metadata, nothing it names opened. */
    public Command.Result checkAlone(Path image, String format) throws IOException {
        return Command.exec(List.of(binary, "check", alone(image, format)));
    }

    /** A run of bytes of a file: {@code start} and {@code length}. */
    public record Extent(long start, long length) {
        public long end() { return start + length; }
    }

    /**
     * The runs of a file that hold data, in order, from {@code qemu-img map -f raw} (the file's own bytes, whatever
     * they hold): what it leaves out are holes, which read as zeros (SEEK_DATA/SEEK_HOLE, which Java cannot ask).
     */
    public List<Extent> dataExtents(Path file) throws IOException {
        List<Extent> out = new ArrayList<>();
        JsonNode map = Json.MAPPER.readTree(Command.run(List.of(binary, "map", "--output=json", "-f", "raw", file.toString()), INSPECT_TIMEOUT));
        for (JsonNode e : map) {
            if (e.path("data").asBoolean(true) || !e.path("zero").asBoolean(false)) {
                out.add(new Extent(e.path("start").asLong(), e.path("length").asLong()));
            }
        }
        return out;
    }

    /** The facts {@link #info} reads from qemu-img's JSON. */
    static Info parse(JsonNode n) {
        return new Info(n.path("format").asText(), n.path("virtual-size").asLong(), n.path("actual-size").asLong(),
                n.hasNonNull("backing-filename") ? n.get("backing-filename").asText() : null,
                n.hasNonNull("backing-filename-format") ? n.get("backing-filename-format").asText() : null);
    }

    /** {@code json:{"driver":FORMAT,"file":{"driver":"file","filename":PATH},"backing":null}}. */
    private static String alone(Path image, String format) {
        ObjectNode spec = Json.MAPPER.createObjectNode().put("driver", checkFormat(format));
        spec.putObject("file").put("driver", "file").put("filename", image.toAbsolutePath().toString());
        spec.putNull("backing");
        return "json:" + spec;
    }

    /**
     * Converts into a new image. Unallocated and zero clusters are dropped (that is the compaction);
     * {@code -m 16 -W} lets qemu-img write coroutines out of order, much faster on large disks.
     */
    public void convert(Path source, String sourceFormat, Path target, String targetFormat, boolean compress) throws IOException {
        convert(source.toString(), sourceFormat, target.toString(), targetFormat, compress);
    }

    /** The same between anything qemu-img opens: files or block URIs ({@code rbd:...}). */
    public void convert(String source, String sourceFormat, String target, String targetFormat, boolean compress) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary, "convert", "-m", "16", "-W", "-f", sourceFormat, "-O", targetFormat));
        if (compress) cmd.add("-c");
        convert(cmd, source, target, targetFormat);
    }

    /**
     * Converts into a new image made with the target format's {@code options} ({@code subformat=streamOptimized}),
     * written in order (no {@code -W}): a stream-optimized VMDK is read front to back by those it is streamed to.
     */
    public void convertInOrder(Path source, String sourceFormat, Path target, String targetFormat, List<String> options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary, "convert", "-f", sourceFormat, "-O", targetFormat));
        if (!options.isEmpty()) cmd.addAll(List.of("-o", String.join(",", options)));
        convert(cmd, source.toString(), target.toString(), targetFormat);
    }

    private void convert(List<String> cmd, String source, String target, String targetFormat) throws IOException {
        cmd.add(source);
        cmd.add(target);
        ProgressBar bar = progress.openPercent("converting " + shortName(source) + " to " + targetFormat);
        if (bar != null) cmd.add(2, "-p");
        cmd.addAll(0, convertPrefix);
        if (bar == null) {
            Command.run(cmd);
            return;
        }
        try (bar) {
            Command.stream(cmd, Command.DEFAULT_TIMEOUT, chunk -> {
                Matcher m = PROGRESS.matcher(chunk);
                while (m.find()) bar.update(Math.round(Double.parseDouble(m.group(1)) * 100));
            });
        }
    }

    /** The file name of a path, the image of a block URI (rbd:POOL/IMAGE:conf=... -> POOL/IMAGE). */
    private static String shortName(String image) {
        if (image.startsWith("rbd:")) return image.substring(4).split(":")[0];
        int slash = image.lastIndexOf('/');
        return slash < 0 ? image : image.substring(slash + 1);
    }

    /**
     * Converts into a new qcow2 overlay on {@code relativeBacking} (relative to the target's directory, as for
     * {@link #createOverlay}): the source's full disk state, stored as differences from the backing image.
     */
    public void convertOnto(String source, String sourceFormat, Path target, String relativeBacking, String backingFormat) throws IOException {
        Command.run(List.of(binary, "convert", "-f", sourceFormat, "-O", "qcow2", "-B", relativeBacking, "-F", backingFormat,
                source, target.toString()));
    }

    /**
     * Names another backing file in {@code overlay}'s header ({@code qemu-img rebase -u}), as given (relative to the
     * overlay's directory): no data is read or written, so the new backing image must hold the same content.
     */
    public void rebaseUnsafe(Path overlay, String relativeBacking, String backingFormat) throws IOException {
        Command.run(List.of(binary, "rebase", "-u", "-f", "qcow2", "-F", backingFormat, "-b", relativeBacking, overlay.toString()));
    }

    /** {@code qemu-img check}: fails when the image has errors (leaks are reported but tolerated by qemu-img's exit code 3). */
    public void check(Path image, String format) throws IOException {
        Command.Result r = Command.exec(List.of(binary, "check", "-f", format, image.toString()));
        if (r.exitCode() != 0 && r.exitCode() != 3) {
            throw new IOException("qemu-img check " + image + " failed (exit " + r.exitCode() + "): " + (r.stdout() + r.stderr()).trim());
        }
    }

    /** A new empty image of {@code size} (qemu-img's notation: 256M, 10G). */
    public void create(Path image, String format, String size) throws IOException {
        Command.run(List.of(binary, "create", "-q", "-f", checkFormat(format), image.toString(), size), Duration.ofMinutes(1));
    }

    /** Sets the virtual size of {@code image} (a file or a block URI) in {@code format} to {@code bytes}. */
    public void resize(String image, String format, long bytes) throws IOException {
        Command.run(List.of(binary, "resize", "-q", "-f", format, image, Long.toString(bytes)));
    }

    /**
     * A qcow2 overlay on {@code backing}; the path is written as given, so pass it relative to the overlay's directory.
     * Written in-process ({@link Qcow2Overlay}) for qcow2 and raw backing images, by qemu-img otherwise.
     */
    public void createOverlay(Path overlay, String relativeBacking, String backingFormat) throws IOException {
        if (Qcow2Overlay.create(overlay, relativeBacking, backingFormat)) return;
        Command.run(List.of(binary, "create", "-q", "-f", "qcow2", "-F", backingFormat, "-b", relativeBacking, overlay.toString()));
    }

    public static String checkFormat(String format) {
        if (!FORMATS.contains(format)) {
            throw new UserError("unknown disk format '" + format + "' (use one of " + String.join(", ", FORMATS) + ")");
        }
        return format;
    }
}
