package io.ingot.images;

import io.ingot.storage.DirStorage;
import io.ingot.storage.Feature;
import io.ingot.storage.StorageConfig;
import io.ingot.storage.Storages;
import io.ingot.template.Manifest;
import io.ingot.util.LimitedRead;
import io.ingot.util.Sizes;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a pull ({@code ingot pull}, {@code ingot s3 pull}, a worker's result) lists, checked before a byte of it is
 * downloaded: the target storage takes templates; each file within {@code imports.maxVirtualSize} (a qcow2 holds no
 * more than its virtual size and some metadata; a RAM template's memory is the guest's RAM), the manifest within
 * {@link LimitedRead#JSON_ANSWER}; all of it within the usable space of the download folder, and of a dir storage's
 * folder when that is on another file system (the files are then copied, not renamed, into it).
 */
public final class PullLimits {
    private final Storages storages;

    public PullLimits(Storages storages) {
        this.storages = storages;
    }

    /**
     * @param of          the version, as the refusal names it ({@code evil:1})
     * @param listed      file name in the version folder -> listed size in bytes
     * @param alreadyHere bytes of those files already in {@code downloadDir} (a resumed or reused download)
     * @throws UserError for the first limit a listed size passes, saying which and how to change it
     */
    public void check(String of, Map<String, Long> listed, long alreadyHere, Path downloadDir, String storage) throws IOException {
        StorageConfig config = storages.config();
        storages.get(storage).require(Feature.TEMPLATE);
        long total = 0;
        for (Map.Entry<String, Long> f : listed.entrySet()) {
            long size = f.getValue();
            if (f.getKey().equals(Manifest.FILE_NAME) && size > LimitedRead.JSON_ANSWER) {
                throw new UserError(f.getKey() + " of " + of + " is listed at " + size + " bytes, over "
                        + Sizes.format(LimitedRead.JSON_ANSWER) + " (a manifest is never that large)");
            }
            if (size > config.importMaxVirtualSize()) {
                throw new UserError(f.getKey() + " of " + of + " is listed at " + size + " bytes, over imports.maxVirtualSize ("
                        + Sizes.format(config.importMaxVirtualSize()) + " in " + config.file() + ")");
            }
            total = size > Long.MAX_VALUE - total ? Long.MAX_VALUE : total + size; // listed sizes are the other host's word
        }
        FileStore here = fileStore(downloadDir);
        long need = total - alreadyHere;
        if (need > here.getUsableSpace()) {
            throw new UserError(of + " needs " + need + " bytes in " + downloadDir + ", which has " + here.getUsableSpace()
                    + " bytes free (nothing downloaded)");
        }
        StorageConfig.Entry target = config.entry(storage);
        if (DirStorage.TYPE.equals(target.type())) {
            FileStore there = fileStore(target.path());
            if (!there.equals(here) && total > there.getUsableSpace()) {
                throw new UserError(of + " needs " + total + " bytes on storage '" + storage + "' (" + target.path() + "), which has "
                        + there.getUsableSpace() + " bytes free (nothing downloaded)");
            }
        }
    }

    /** The file system {@code dir} is on, or will be on once made: its nearest existing folder's. */
    private static FileStore fileStore(Path dir) throws IOException {
        Path p = dir.toAbsolutePath();
        while (!Files.exists(p) && p.getParent() != null) p = p.getParent();
        return Files.getFileStore(p);
    }
}
