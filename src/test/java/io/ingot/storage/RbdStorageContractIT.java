package io.ingot.storage;

import io.ingot.it.CephCluster;
import io.ingot.it.TestImages;

import java.nio.file.Files;
import java.nio.file.Path;

/** The storage contract on an rbd storage, in the one-node Ceph cluster the tests start (skipped without Ceph). */
class RbdStorageContractIT extends StorageContract {
    @Override
    String storageYaml() throws Exception {
        return CephCluster.shared().storageYaml("s");
    }

    @Override
    Path imagesDir() throws Exception {
        Path dir = TestImages.home().resolve("target/it-contract").resolve(Long.toString(System.nanoTime()));
        Files.createDirectories(dir.getParent());
        return dir;
    }
}
