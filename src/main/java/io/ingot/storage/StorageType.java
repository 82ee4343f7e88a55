package io.ingot.storage;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.ingot.qemu.QemuImg;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * A kind of storage ({@code dir}, {@code rbd}). Each registers itself (META-INF/services) with the section of
 * storage.yaml it reads; {@link StorageConfig} knows none of them by name.
 */
public interface StorageType {
    /** The {@code type:} of its storages in storage.yaml. */
    String name();

    /** The record a storage's section is read into (its {@code type} aside); unknown fields are refused. */
    Class<? extends Section> section();

    /** One storage's section of storage.yaml, as its type reads it. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    interface Section {
        /**
         * Checks what the fields say (a UserError names {@code where}: "FILE: storages.NAME") and defines the
         * storage; relative paths are relative to the images directory.
         */
        StorageConfig.Entry define(String storage, Path images, String where);
    }

    /** The registered types by name. */
    static Map<String, StorageType> registered() {
        return Registered.TYPES;
    }

    /** Loaded once: the class path does not change. */
    final class Registered {
        private static final Map<String, StorageType> TYPES = load();

        private Registered() { }

        private static Map<String, StorageType> load() {
            Map<String, StorageType> types = new TreeMap<>();
            for (StorageType t : ServiceLoader.load(StorageType.class, StorageType.class.getClassLoader())) types.put(t.name(), t);
            return Collections.unmodifiableMap(types);
        }
    }

    /** Opens a defined storage's backend. */
    @FunctionalInterface
    interface Opener {
        StorageBackend open(String storage, QemuImg qemuImg);
    }
}
