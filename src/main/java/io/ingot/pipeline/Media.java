package io.ingot.pipeline;

import java.nio.file.Path;

/**
 * What the media stage found for the build, one of: an installation ISO, a kernel and initrd, a ready disk image
 * ({@code media.disk}) or the parent template ({@code from}); and the checksum the manifest records for it.
 */
public record Media(Path installMedia, Path kernel, Path initrd, Path diskImage, String diskImageFormat,
                    BuildContext.Parent parent, String checksum) {
    public static Media iso(Path file, String checksum) {
        return new Media(file, null, null, null, null, null, checksum);
    }

    public static Media kernel(Path kernel, Path initrd, String checksum) {
        return new Media(null, kernel, initrd, null, null, null, checksum);
    }

    public static Media diskImage(Path file, String format, String checksum) {
        return new Media(null, null, null, file, format, null, checksum);
    }

    public static Media parent(BuildContext.Parent parent, String checksum) {
        return new Media(null, null, null, null, null, parent, checksum);
    }
}
