package io.ingot.images;

import io.ingot.storage.DirStorage;
import io.ingot.storage.Feature;
import io.ingot.storage.StorageConfig;
import io.ingot.storage.Storages;
import io.ingot.template.Manifest;
import io.ingot.util.FreeSpace;
import io.ingot.util.LimitedRead;
import io.ingot.util.Sizes;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a pull ({@code ingot pull}, {@code ingot s3 pull}, a worker's result) lists, checked before a byte of it is
 * downloaded: the target storage takes templates; each file within {@code imports.maxVirtualSize} and room for qcow2
 * metadata ({@link #maxFile}; a RAM template's memory file is the guest's RAM), the manifest within
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
            if (size > maxFile(config.importMaxVirtualSize())) {
                throw new UserError(f.getKey() + " of " + of + " is listed at " + size + " bytes, over imports.maxVirtualSize ("
                        + Sizes.format(config.importMaxVirtualSize()) + " in " + config.file() + ")");
            }
            total = size > Long.MAX_VALUE - total ? Long.MAX_VALUE : total + size; // listed sizes are the other host's word
        }
        FreeSpace.require(of, total - alreadyHere, downloadDir);
        StorageConfig.Entry target = config.entry(storage);
        if (DirStorage.TYPE.equals(target.type()) && !FreeSpace.of(target.path()).equals(FreeSpace.of(downloadDir))) {
            FreeSpace.require(of + " on storage '" + storage + "'", total, target.path());
        }
    }

    /**
     * The largest file a version may list: a disk's file holds its virtual size and qcow2's metadata (L2 and
     * refcount tables, well under 1/64 of it), so a fully written disk at the limit still comes in.
     */
    public static long maxFile(long maxVirtualSize) {
        return maxVirtualSize > Long.MAX_VALUE - maxVirtualSize / 64 ? Long.MAX_VALUE : maxVirtualSize + maxVirtualSize / 64;
    }
}
