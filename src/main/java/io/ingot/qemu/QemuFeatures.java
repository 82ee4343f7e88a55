package io.ingot.qemu;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What this QEMU can do for RAM templates and tethers, asked of the binary itself (see {@link QemuFeatureProbe}):
 * distributions patch and configure QEMU, so its version number does not tell.
 *
 * @param memoryBackendRom {@code rom=} on memory-backend-file: clones can open the memory file read-only
 * @param fileMigration    the {@code file:} migration URI
 * @param mappedRam        the {@code mapped-ram} migration capability
 * @param exitWithParent   {@code -run-with exit-with-parent=on}: QEMU ends when the process that started it does
 * @param how              for each feature's label, how it was found (what QEMU answered), for {@code ingot doctor}
 */
public record QemuFeatures(boolean memoryBackendRom, boolean fileMigration, boolean mappedRam, boolean exitWithParent,
                           Map<String, String> how) {
    public static final String ROM = "rom on memory-backend-file";
    public static final String FILE_MIGRATION = "file: migration";
    public static final String MAPPED_RAM = "mapped-ram";
    public static final String EXIT_WITH_PARENT = "exit-with-parent";

    public QemuFeatures {
        how = Map.copyOf(how);
    }

    /** Features known without asking (tests, fakes): nothing recorded about how. */
    public QemuFeatures(boolean memoryBackendRom, boolean fileMigration, boolean mappedRam, boolean exitWithParent) {
        this(memoryBackendRom, fileMigration, mappedRam, exitWithParent, Map.of());
    }

    public QemuFeatures(boolean memoryBackendRom, boolean fileMigration, boolean mappedRam) {
        this(memoryBackendRom, fileMigration, mappedRam, false);
    }

    /** Each feature's label with whether this QEMU has it, in a fixed order. */
    public Map<String, Boolean> byLabel() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put(ROM, memoryBackendRom);
        m.put(FILE_MIGRATION, fileMigration);
        m.put(MAPPED_RAM, mappedRam);
        m.put(EXIT_WITH_PARENT, exitWithParent);
        return m;
    }
}
