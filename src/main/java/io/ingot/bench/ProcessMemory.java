package io.ingot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A QEMU process's proportional set size, and the part of it in anonymous executable mappings: under TCG that is
 * QEMU's translation cache (the guest's code translated for the host, private to each process and grown as the guest
 * runs new code; hundreds of MiB after a Debian boot), which a KVM host does not have. Reported apart so that a figure
 * says how much of a clone's memory is the guest's and QEMU's, and how much the emulator's.
 */
record ProcessMemory(long pssKiB, long translationCacheKiB) {

    static ProcessMemory of(long pid) throws IOException {
        return parse(Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps")));
    }

    /** From the lines of /proc/PID/smaps: each mapping's header line, then its fields. */
    static ProcessMemory parse(List<String> smaps) {
        long total = 0, cache = 0;
        boolean anonExec = false;
        for (String line : smaps) {
            if (isHeader(line)) {
                String[] f = line.trim().split("\\s+", 6);
                anonExec = f[1].indexOf('x') >= 0 && (f.length < 6 || f[5].isBlank());
            } else if (line.startsWith("Pss:")) {
                long kiB = Long.parseLong(line.replaceAll("\\D", ""));
                total += kiB;
                if (anonExec) cache += kiB;
            }
        }
        return new ProcessMemory(total, cache);
    }

    /** A mapping's first line: "start-end perms offset dev inode [path]" (field lines start with "Name:"). */
    private static boolean isHeader(String line) {
        int dash = line.indexOf('-');
        int space = line.indexOf(' ');
        return dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    long withoutTranslationCacheKiB() { return pssKiB - translationCacheKiB; }

    ProcessMemory plus(ProcessMemory o) {
        return new ProcessMemory(pssKiB + o.pssKiB, translationCacheKiB + o.translationCacheKiB);
    }
}
