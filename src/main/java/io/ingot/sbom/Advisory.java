package io.ingot.sbom;

import java.util.List;

/**
 * One vulnerability of one package in one ecosystem, as a feed states it: affected when the installed version is
 * listed in {@code versions} or falls in one of the {@code ranges}.
 *
 * @param id           CVE-..., DSA-..., GHSA-..., as the feed names it
 * @param ecosystem    OSV's ecosystem ({@code Debian:12}, {@code Debian}, {@code Linux}); a tracker entry's is {@code Debian:N}
 * @param name         the package; for Debian the source package (binary names match too)
 * @param fixedVersion the first fixed version, if the feed names one
 */
public record Advisory(String id, String ecosystem, String name, List<Range> ranges, List<String> versions,
                       Severity severity, String fixedVersion) {
    public Advisory {
        ranges = List.copyOf(ranges);
        versions = List.copyOf(versions);
    }

    /**
     * Affected from {@code introduced} (null or "0": from the first version) up to, not including, {@code fixed}, or up to
     * and including {@code lastAffected} (null: no end).
     */
    public record Range(String introduced, String fixed, String lastAffected) { }

    /** Whether {@code version} is affected, by dpkg's order. */
    public boolean affects(String version) {
        if (versions.contains(version)) return true;
        for (Range r : ranges) {
            if (r.introduced() != null && !r.introduced().equals("0") && compare(version, r.introduced()) < 0) continue;
            if (r.fixed() != null && compare(version, r.fixed()) >= 0) continue;
            if (r.lastAffected() != null && compare(version, r.lastAffected()) > 0) continue;
            return true;
        }
        return false;
    }

    /** dpkg's order, which also orders dotted upstream versions (a kernel's, busybox's); a version it cannot read is equal to nothing. */
    private static int compare(String a, String b) {
        try {
            return DpkgVersion.compare(a, b);
        } catch (IllegalArgumentException e) {
            return a.compareTo(b);
        }
    }
}
