package io.ingot.util;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** The usable space where a download is about to be written, checked before it starts. */
public final class FreeSpace {
    private FreeSpace() { }

    /** The file system {@code dir} is on, or will be on once made: its nearest existing folder's. */
    public static FileStore of(Path dir) throws IOException {
        Path p = dir.toAbsolutePath();
        while (!Files.exists(p) && p.getParent() != null) p = p.getParent();
        return Files.getFileStore(p);
    }

    /**
     * @param what names the download in the refusal ({@code evil:1}, a URL)
     * @throws UserError {@code WHAT needs N bytes in DIR, which has M bytes free (nothing downloaded)}
     */
    public static void require(String what, long bytes, Path dir) throws IOException {
        long free = of(dir).getUsableSpace();
        if (bytes > free) throw new UserError(what + " needs " + bytes + " bytes in " + dir + ", which has " + free + " bytes free (nothing downloaded)");
    }
}
