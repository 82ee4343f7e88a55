package io.ingot.storage;

import io.ingot.qemu.QemuImg;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RbdStorageConfigTest {
    @TempDir
    Path images;

    @Test
    void rbdStorageFromStorageYaml() throws Exception {
        Files.writeString(images.resolve("storage.yaml"), """
                storages:
                  ceph:
                    type: rbd
                    pool: ingot
                    conf: ceph/ceph.conf
                    id: client.ingot
                    keyring: /etc/ceph/ceph.client.ingot.keyring
                """);
        StorageBackend b = StorageConfig.load(images).open("ceph", new QemuImg());
        assertEquals("rbd", b.type());
        assertTrue(b.features().has(Feature.LINKED_CLONE, FeatureTable.State.BASE, "raw"));
        assertTrue(!b.features().has(Feature.REFLINK));
        RbdStorage.Cluster c = ((RbdStorage) b).cluster();
        assertEquals("ingot", c.client());
        assertEquals("rbd:ingot/vm-a-disk-0:conf=" + images.resolve("ceph/ceph.conf") + ":id=ingot:keyring=/etc/ceph/ceph.client.ingot.keyring",
                c.uri("vm-a-disk-0"));
        assertEquals(java.util.List.of("rbd", "-c", images.resolve("ceph/ceph.conf").toString(), "--id", "ingot",
                "--keyring", "/etc/ceph/ceph.client.ingot.keyring", "--client_mount_timeout", "20", "ls"), c.rbd("ls"));
    }

    @Test
    void missingPoolIsNamed() throws Exception {
        Files.writeString(images.resolve("storage.yaml"), "storages:\n  ceph:\n    type: rbd\n");
        UserError e = assertThrows(UserError.class, () -> StorageConfig.load(images));
        assertTrue(e.getMessage().contains("storages.ceph.pool is missing"), e.getMessage());
    }

    @Test
    void rbdHoldsRawOnly() {
        RbdStorage b = new RbdStorage("ceph", new RbdStorage.Cluster("p", Path.of("/c"), "admin", null), images, new QemuImg());
        UserError e = assertThrows(UserError.class, () -> b.createFullClone(Volume.file(Path.of("/x"), "qcow2"), "c1", "qcow2"));
        assertTrue(e.getMessage().contains("raw images only"), e.getMessage());
    }
}
