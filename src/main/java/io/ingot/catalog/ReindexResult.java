package io.ingot.catalog;

import java.util.List;

/**
 * What a reindex did: versions present, channels dropped because their version is gone, channels and clones
 * brought back from the storages, versions kept although their files are gone (clones use them).
 */
public record ReindexResult(int versions, List<String> droppedChannels, List<String> restoredChannels,
                            List<String> restoredClones, List<String> keptBroken) {
    public ReindexResult(int versions, List<String> droppedChannels) {
        this(versions, droppedChannels, List.of(), List.of(), List.of());
    }
}
