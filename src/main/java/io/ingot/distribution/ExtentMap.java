package io.ingot.distribution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.qemu.QemuImg;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a sparse file travels through S3: its object holds only the data extents, one after the other, and this map
 * (a small JSON object beside it, {@code KEY}{@value #SUFFIX}) says where each goes in a file of {@code size} bytes;
 * the rest is zeros. The map is not signed: the sha256 of the whole file (manifest, provenance) decides whether the
 * pieces were put back right.
 */
record ExtentMap(long size, List<QemuImg.Extent> data) {
    /** The map's key: the object's key and this. */
    static final String SUFFIX = ".extents.json";
    /** Object metadata naming the layout: {@value #EXTENTS} (a map beside it), else the whole file. */
    static final String LAYOUT_META = "ingot-layout";
    static final String EXTENTS = "extents";
    /** The most extents a map may hold (a 1 MiB read of JSON holds about 20000; merging keeps real ones far fewer). */
    static final int MAX_EXTENTS = 20_000;

    ExtentMap {
        data = List.copyOf(data);
    }

    /** The data extents of {@code file} of {@code size} bytes, small holes merged ({@link VersionFiles#merged}). */
    static ExtentMap of(Path file, long size, QemuImg qemuImg) throws IOException {
        return new ExtentMap(size, VersionFiles.merged(qemuImg.dataExtents(file), size));
    }

    /** Bytes the object holds: the sum of the extents. */
    long packed() {
        long n = 0;
        for (QemuImg.Extent e : data) n += e.length();
        return n;
    }

    /** Whether leaving out the holes saves anything (less than 15/16 of the file is data). */
    boolean worthIt() {
        return packed() < size - size / 16;
    }

    /** Where in the object the byte at {@code logical} of the file is (or the next data after it, in a hole). */
    long packedOffset(long logical) {
        long at = 0;
        for (QemuImg.Extent e : data) {
            if (logical <= e.start()) return at;
            if (logical < e.end()) return at + logical - e.start();
            at += e.length();
        }
        return at;
    }

    byte[] toJson() {
        var root = Json.MAPPER.createObjectNode().put("size", size);
        var arr = root.putArray("data");
        for (QemuImg.Extent e : data) arr.addArray().add(e.start()).add(e.length());
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A map read from a bucket, checked to fit an object of {@code objectLength} bytes: extents in order, not
     * overlapping, inside {@code size}, adding up to the object; {@code size} as the manifest lists it when it does.
     */
    static ExtentMap parse(byte[] json, long objectLength, Long listedSize, String what) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UserError(what + ": its extent map is not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UserError(what + ": its extent map is not JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.path("size").canConvertToLong() || !root.path("data").isArray()) {
            throw new UserError(what + ": its extent map has no size or data");
        }
        long size = root.path("size").asLong();
        if (size < 0 || (listedSize != null && size != listedSize)) {
            throw new UserError(what + ": its extent map says " + size + " bytes, the manifest " + listedSize);
        }
        if (root.path("data").size() > MAX_EXTENTS) throw new UserError(what + ": its extent map lists over " + MAX_EXTENTS + " extents");
        List<QemuImg.Extent> data = new ArrayList<>();
        long end = 0;
        long sum = 0;
        for (JsonNode e : root.path("data")) {
            if (!e.isArray() || e.size() != 2 || !e.get(0).canConvertToLong() || !e.get(1).canConvertToLong()) {
                throw new UserError(what + ": its extent map has an entry that is not [start, length]: " + e);
            }
            long start = e.get(0).asLong();
            long length = e.get(1).asLong();
            if (start < end || length <= 0 || length > size - start) {
                throw new UserError(what + ": its extent map has [" + start + ", " + length + "] out of order or outside "
                        + size + " bytes");
            }
            end = start + length;
            sum += length;
            data.add(new QemuImg.Extent(start, length));
        }
        if (sum != objectLength) throw new UserError(what + ": its extent map adds up to " + sum + " bytes, the object holds " + objectLength);
        return new ExtentMap(size, data);
    }
}
