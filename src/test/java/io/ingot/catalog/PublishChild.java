package io.ingot.catalog;

import io.ingot.images.ImageStore;
import io.ingot.util.IngotPaths;

import java.nio.file.Path;

/** A separate process that publishes one disk (args: home, template, disk, build id); PublishCrashIT kills it with SIGKILL at a pause point. */
public final class PublishChild {
    public static void main(String[] args) throws Exception {
        Path tmp = Path.of(args[0]);
        IngotPaths paths = Disks.paths(tmp);
        ImageStore.open(paths).publisher().publish(Disks.request(args[1], Path.of(args[2]), args[3]));
        System.exit(0);
    }
}
