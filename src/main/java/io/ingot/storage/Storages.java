package io.ingot.storage;

import io.ingot.qemu.QemuImg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The configured storages, each backend opened once. */
public final class Storages {
    private final StorageConfig config;
    private final QemuImg qemuImg;
    private final Map<String, StorageBackend> open = new ConcurrentHashMap<>();

    public Storages(StorageConfig config, QemuImg qemuImg) {
        this.config = config;
        this.qemuImg = qemuImg;
    }

    public StorageConfig config() { return config; }

    /** The backend for a storage name; UserError naming storage.yaml and the known names when unknown. */
    public StorageBackend get(String name) {
        config.entry(name);
        return open.computeIfAbsent(name, n -> config.open(n, qemuImg));
    }

    public List<StorageBackend> all() {
        List<StorageBackend> out = new ArrayList<>();
        for (String n : config.storages().keySet()) out.add(get(n));
        return out;
    }
}
