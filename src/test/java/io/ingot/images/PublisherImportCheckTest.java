package io.ingot.images;

import io.ingot.catalog.TemplateVersion;
import io.ingot.qemu.ImportDisks;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.util.Command;
import io.ingot.util.IngotPaths;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publisher's two doors, a build's publish and the registration of a version fetched from elsewhere, both
 * through the import check: a host-backed disk is refused before a version number is taken or a folder made; a
 * RAM template's capture overlay is taken only on its version's base image, under either name the base goes by.
 */
class PublisherImportCheckTest {
    @TempDir Path tmp;
    private ImageStore store;

    @BeforeEach
    void open() {
        Path images = tmp.resolve("images");
        store = ImageStore.open(new IngotPaths(tmp, images, tmp.resolve("cache"), images.resolve(".ingot")));
    }

    @Test
    void aPublishOfAHostBackedDiskIsRefused() throws Exception {
        Path host = ImportDisks.hostFile(tmp);
        Path disk = ImportDisks.hostBacked(tmp.resolve("base.qcow2"), host);
        UserError e = assertThrows(UserError.class, () -> store.publisher().publish(
                new PublishRequest("evil", disk, "qcow2", false, Manifest.empty(), List.of("local"), "latest")));
        assertEquals("base.qcow2 of evil: refused: a base image stands alone, but it names a backing file: " + host
                + " (an absolute path on this host)", e.getMessage());
        assertEquals(List.of(), list(store.paths().images().resolve("templates")));
        assertTrue(store.catalog().templateNames().isEmpty());
        assertEquals(1, store.catalog().reserveVersion("evil"), "no version number was taken");
    }

    @Test
    void aCaptureOverlayOnTheBaseImageIsRegisteredAndOneOutsideIsNot() throws Exception {
        Path dl = Files.createDirectories(tmp.resolve("download/ram"));
        Path disk = ImportDisks.qcow2(tmp.resolve("download/disk.qcow2"), "1M");
        Path memory = Files.write(dl.resolve("memory"), new byte[4096]);
        Path state = Files.write(dl.resolve("state"), new byte[16]);

        // the finding's overlay: anywhere else than the version's base
        Path outside = ImportDisks.backedBy(dl.resolve("overlay.qcow2"), "../../base.qcow2", "qcow2");
        UserError e = assertThrows(UserError.class, () -> store.publisher().register(manifest(disk, outside, memory, state),
                files(disk, outside, memory, state), "local", null));
        assertEquals("ram/overlay.qcow2 of t:1: refused: its backing file ../../base.qcow2 (a relative path out of its folder)"
                + " is not its version's base image (../disk.qcow2 or ../base.qcow2)", e.getMessage());
        assertTrue(store.catalog().templateNames().isEmpty());

        // as ingot s3 pull gets one: the base arrives as disk.qcow2, the overlay names it base.qcow2, as its origin did
        Files.delete(outside);
        Path overlay = ImportDisks.backedBy(dl.resolve("overlay.qcow2"), "../base.qcow2", "qcow2");
        TemplateVersion v = store.publisher().register(manifest(disk, overlay, memory, state), files(disk, overlay, memory, state), "local", null);
        Path stored = store.storages().get("local").locate("t", v.version()).orElseThrow().dir().resolve("ram/overlay.qcow2");
        assertEquals("../base.qcow2", new QemuImg().info(stored, "qcow2").backingFilename());
        assertEquals(0, Command.exec(List.of("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", stored.resolveSibling("../base.qcow2").toString(),
                stored.toString())).exitCode(), "the stored overlay reads through to the stored base image");
    }

    private static Manifest manifest(Path disk, Path overlay, Path memory, Path state) throws IOException {
        return Manifest.fromJson("{\"name\": \"t\", \"version\": 1, \"disk\": {\"file\": \"disk.qcow2\", \"format\": \"qcow2\", \"virtualSize\": 1048576,"
                + " \"actualSize\": " + Files.size(disk) + ", \"sha256\": \"" + Sha256.of(disk) + "\"}, \"ram\": {"
                + "\"memoryFile\": " + ramFile("ram/memory", memory) + ", \"stateFile\": " + ramFile("ram/state", state)
                + ", \"captureOverlay\": " + ramFile("ram/overlay.qcow2", overlay) + ", \"compatibilityKey\": \"k\"}}");
    }

    private static Map<String, Path> files(Path disk, Path overlay, Path memory, Path state) {
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("disk.qcow2", disk);
        files.put("ram/overlay.qcow2", overlay);
        files.put("ram/memory", memory);
        files.put("ram/state", state);
        return files;
    }

    private static String ramFile(String file, Path p) throws IOException {
        return "{\"file\": \"" + file + "\", \"sha256\": \"" + Sha256.of(p) + "\", \"size\": " + Files.size(p) + "}";
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
