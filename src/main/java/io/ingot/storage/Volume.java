package io.ingot.storage;

import java.nio.file.Path;

/**
 * A disk as a storage holds it: a file ({@code dir}), or an image that only QEMU's driver for it opens ({@code rbd}),
 * never a {@link Path} that is not one.
 *
 * @param name   its name in the template version or clone: the file name, or the image name in its pool
 * @param format qcow2, raw or vmdk
 * @param target what QEMU and qemu-img open: the file's path, or a block URI ({@code rbd:POOL/IMAGE[@SNAP]:conf=...})
 * @param file   the file, or null when the volume is not one
 */
public record Volume(String name, String format, String target, Path file) {

    /** A file volume. */
    public static Volume file(Path file, String format) {
        return new Volume(file.getFileName().toString(), format, file.toString(), file);
    }

    /** An image a block driver opens through {@code uri}. */
    public static Volume image(String name, String format, String uri) {
        return new Volume(name, format, uri, null);
    }

    public boolean isFile() { return file != null; }

    /** The file; for a volume that is not one, an error naming it. */
    public Path path() {
        if (file == null) throw new IllegalStateException(target + " is not a file");
        return file;
    }

    /** What QEMU opens, as the text of a command line. */
    @Override
    public String toString() { return target; }
}
