package io.ingot.sbom;

import java.util.Locale;

/**
 * How bad a finding is, lowest first. A feed that gives none is {@code UNKNOWN}, ranked just above {@code NONE}: only a
 * gate of {@code maxSeverity: none} stops on it.
 */
public enum Severity {
    NONE, UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL;

    /** A feed's word (OSV's {@code MODERATE}, Debian's urgencies {@code low**}, {@code unimportant}); else UNKNOWN. */
    public static Severity of(String word) {
        if (word == null) return UNKNOWN;
        String w = word.strip().toLowerCase(Locale.ROOT).replace("*", "");
        return switch (w) {
            case "critical" -> CRITICAL;
            case "high", "important" -> HIGH;
            case "medium", "moderate" -> MEDIUM;
            case "low", "negligible" -> LOW;
            case "unimportant", "none" -> NONE;
            default -> UNKNOWN;
        };
    }

    /** A CVSS base score's rating (CVSS v3.1 specification, table 14). */
    public static Severity ofScore(double score) {
        if (score >= 9.0) return CRITICAL;
        if (score >= 7.0) return HIGH;
        if (score >= 4.0) return MEDIUM;
        if (score > 0.0) return LOW;
        return NONE;
    }

    /** A gate's {@code maxSeverity}: one of the names, in any case. */
    public static Severity parseLevel(String word) {
        for (Severity s : values()) if (s.name().equalsIgnoreCase(word.strip())) return s;
        throw new IllegalArgumentException("'" + word + "' is not a severity (none, low, medium, high, critical)");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
