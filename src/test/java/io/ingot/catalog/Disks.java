package io.ingot.catalog;

import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.util.Command;
import io.ingot.template.Manifest;
import io.ingot.util.IngotPaths;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Test helpers: sealed-looking disks made with qemu-img and qemu-io, and an ImageStore in a temp dir. */
final class Disks {
    private Disks() { }

    static Path disk(Path dir, String name, int pattern) throws IOException {
        Path d = dir.resolve(name);
        Command.run(List.of("qemu-img", "create", "-q", "-f", "qcow2", d.toString(), "64M"));
        io(d, "qcow2", String.format("write -P 0x%02x 0 1M", pattern));
        return d;
    }

    static String io(Path image, String format, String command) throws IOException {
        return Command.run(List.of("qemu-io", "-f", format, "-c", command, image.toString()));
    }

    static IngotPaths paths(Path tmp) {
        Path images = tmp.resolve("images");
        return new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot"));
    }

    static PublishRequest request(String template, Path disk) {
        return request(template, disk, "b-" + System.nanoTime());
    }

    static PublishRequest request(String template, Path disk, String buildId) {
        Manifest m = Manifest.empty().withBuild(buildId, "recipehash", null)
                .withMachine("7.2.22", "pc", "max", 1, 256, List.of("virtio-net-pci", "virtio-blk-pci"))
                .withStageTimings(Map.of("install", 1234L));
        return new PublishRequest(template, disk, "qcow2", false, m, List.of("local"), "latest");
    }
}
