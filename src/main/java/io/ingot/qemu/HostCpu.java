package io.ingot.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/** This host's CPU as /proc/cpuinfo describes it: the flags a {@code -cpu max} or {@code -cpu host} guest may see. */
public final class HostCpu {
    private HostCpu() { }

    /** The CPU flags of this host, sorted (empty where /proc/cpuinfo cannot be read). */
    public static List<String> flags() {
        return flags(Path.of("/proc/cpuinfo"));
    }

    static List<String> flags(Path cpuinfo) {
        try {
            return parseFlags(Files.readString(cpuinfo, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The first {@code flags} line (x86) or {@code Features} line (arm) of a cpuinfo text, sorted and de-duplicated. */
    static List<String> parseFlags(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).strip();
            if (key.equals("flags") || key.equals("Features")) {
                return List.copyOf(new TreeSet<>(List.of(line.substring(colon + 1).strip().split("\\s+"))));
            }
        }
        return List.of();
    }
}
