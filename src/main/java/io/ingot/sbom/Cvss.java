package io.ingot.sbom;

import java.util.HashMap;
import java.util.Map;

/** The severity of an OSV {@code severity[].score}: a number, or a CVSS v3.x vector's base score (CVSS v3.1 specification, 7.1). */
final class Cvss {
    private Cvss() { }

    static Severity severity(String score) {
        String s = score.strip();
        if (s.isEmpty()) return Severity.UNKNOWN;
        try {
            return Severity.ofScore(Double.parseDouble(s));
        } catch (NumberFormatException notANumber) {
            Double base = baseScore(s);
            return base == null ? Severity.UNKNOWN : Severity.ofScore(base);
        }
    }

    /** The base score of {@code CVSS:3.x/AV:N/AC:L/...}; null for another version or a vector short of a metric. */
    static Double baseScore(String vector) {
        if (!vector.startsWith("CVSS:3.")) return null;
        Map<String, String> m = new HashMap<>();
        for (String part : vector.split("/")) {
            String[] kv = part.split(":", 2);
            if (kv.length == 2) m.put(kv[0], kv[1]);
        }
        boolean changed = "C".equals(m.get("S"));
        Double av = weight(m.get("AV"), "N", .85, "A", .62, "L", .55, "P", .2);
        Double ac = weight(m.get("AC"), "L", .77, "H", .44);
        Double pr = weight(m.get("PR"), "N", .85, "L", changed ? .68 : .62, "H", changed ? .5 : .27);
        Double ui = weight(m.get("UI"), "N", .85, "R", .62);
        Double c = weight(m.get("C"), "H", .56, "L", .22, "N", 0.0);
        Double i = weight(m.get("I"), "H", .56, "L", .22, "N", 0.0);
        Double a = weight(m.get("A"), "H", .56, "L", .22, "N", 0.0);
        if (av == null || ac == null || pr == null || ui == null || c == null || i == null || a == null || m.get("S") == null) return null;
        double iss = 1 - (1 - c) * (1 - i) * (1 - a);
        double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
        double exploitability = 8.22 * av * ac * pr * ui;
        if (impact <= 0) return 0.0;
        return roundUp(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
    }

    private static Double weight(String value, Object... pairs) {
        for (int k = 0; k + 1 < pairs.length; k += 2) if (pairs[k].equals(value)) return (Double) pairs[k + 1];
        return null;
    }

    /** The specification's Roundup: the smallest one-decimal number at or above {@code x}, free of float noise. */
    static double roundUp(double x) {
        long n = Math.round(x * 100000);
        return n % 10000 == 0 ? n / 100000.0 : (Math.floor(n / 10000.0) + 1) / 10.0;
    }
}
