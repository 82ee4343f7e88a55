package io.ingot.sbom;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Matches an SBOM's components against a feed's advisories: every finding once, the most severe first. */
public final class Scan {
    private Scan() { }

    public static List<Finding> of(Sbom sbom, List<Advisory> advisories) {
        Map<String, Finding> found = new LinkedHashMap<>();
        for (Component c : sbom.components()) {
            for (Advisory a : advisories) {
                String version = matchedVersion(c, a);
                if (version == null || !a.affects(version)) continue;
                Finding f = new Finding(c, a.id(), a.severity(), a.fixedVersion());
                found.merge(c.key() + " " + a.id(), f, (x, y) -> x.severity().compareTo(y.severity()) >= 0 ? x : y);
            }
        }
        List<Finding> out = new ArrayList<>(found.values());
        out.sort(Comparator.comparing(Finding::severity).reversed()
                .thenComparing(f -> f.component().name()).thenComparing(Finding::id));
        return out;
    }

    /**
     * The component's version the advisory speaks of, or null when it is about another package: the same ecosystem
     * (an advisory for {@code Debian} covers {@code Debian:12}) and name; Debian's advisories name source packages, so
     * a source name matches with the source version. The kernel is OSV's {@code Linux/Kernel}.
     */
    static String matchedVersion(Component c, Advisory a) {
        if (!sameEcosystem(c.ecosystem(), a.ecosystem())) return null;
        if (c.isKernel()) return a.name().equalsIgnoreCase("kernel") || a.name().equalsIgnoreCase(c.name()) ? c.version() : null;
        if (a.name().equals(c.name())) return c.version();
        if (a.name().equals(c.sourceName())) return c.sourceVersion() == null ? c.version() : c.sourceVersion();
        return null;
    }

    private static boolean sameEcosystem(String component, String advisory) {
        if (component == null || advisory == null) return false;
        String c = component.toLowerCase(Locale.ROOT);
        String a = advisory.toLowerCase(Locale.ROOT);
        return c.equals(a) || (!a.contains(":") && c.startsWith(a + ":"));
    }

    /** The findings a gate stops on: above {@code maxSeverity} and not on the allow-list. */
    public static List<Finding> blocking(List<Finding> findings, Severity maxSeverity, List<String> allow) {
        return findings.stream().filter(f -> f.severity().compareTo(maxSeverity) > 0 && !allow.contains(f.id())).toList();
    }
}
