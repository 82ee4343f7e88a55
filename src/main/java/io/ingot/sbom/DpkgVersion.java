package io.ingot.sbom;

/**
 * A Debian package version, {@code [epoch:]upstream[-revision]}, ordered as dpkg orders them (deb-version(7),
 * dpkg's lib/dpkg/version.c): epochs as numbers, then upstream and revision each by alternating runs of non-digits
 * (letters before other characters, {@code ~} before anything, even the end) and digits (as numbers).
 */
public record DpkgVersion(long epoch, String upstream, String revision) implements Comparable<DpkgVersion> {

    /** Parses as dpkg does: the epoch up to the first ':', the revision after the last '-'. */
    public static DpkgVersion parse(String text) {
        String v = text == null ? "" : text.strip();
        if (v.isEmpty()) throw new IllegalArgumentException("empty version");
        long epoch = 0;
        int colon = v.indexOf(':');
        if (colon >= 0) {
            String e = v.substring(0, colon);
            if (e.isEmpty() || !e.chars().allMatch(Character::isDigit) || e.length() > 9) {
                throw new IllegalArgumentException("epoch of '" + v + "' is not a small number");
            }
            epoch = Long.parseLong(e);
            v = v.substring(colon + 1);
        }
        String revision = "";
        int dash = v.lastIndexOf('-');
        if (dash >= 0) {
            revision = v.substring(dash + 1);
            v = v.substring(0, dash);
            if (revision.isEmpty()) throw new IllegalArgumentException("empty revision in '" + text.strip() + "'");
        }
        if (v.isEmpty()) throw new IllegalArgumentException("empty upstream version in '" + text.strip() + "'");
        return new DpkgVersion(epoch, v, revision);
    }

    /** dpkg's order of {@code a} and {@code b}: negative, zero or positive. */
    public static int compare(String a, String b) {
        return parse(a).compareTo(parse(b));
    }

    @Override
    public int compareTo(DpkgVersion o) {
        if (epoch != o.epoch) return Long.compare(epoch, o.epoch);
        int c = compareParts(upstream, o.upstream);
        return c != 0 ? c : compareParts(revision, o.revision);
    }

    @Override
    public String toString() {
        return (epoch == 0 ? "" : epoch + ":") + upstream + (revision.isEmpty() ? "" : "-" + revision);
    }

    /** dpkg's verrevcmp. */
    static int compareParts(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            while ((i < a.length() && !digit(a, i)) || (j < b.length() && !digit(b, j))) {
                int ac = order(a, i);
                int bc = order(b, j);
                if (ac != bc) return Integer.signum(ac - bc);
                i++;
                j++;
            }
            while (i < a.length() && a.charAt(i) == '0') i++;
            while (j < b.length() && b.charAt(j) == '0') j++;
            int firstDiff = 0;
            while (i < a.length() && digit(a, i) && j < b.length() && digit(b, j)) {
                if (firstDiff == 0) firstDiff = a.charAt(i) - b.charAt(j);
                i++;
                j++;
            }
            if (i < a.length() && digit(a, i)) return 1;
            if (j < b.length() && digit(b, j)) return -1;
            if (firstDiff != 0) return Integer.signum(firstDiff);
        }
        return 0;
    }

    private static boolean digit(String s, int i) {
        char c = s.charAt(i);
        return c >= '0' && c <= '9';
    }

    /** A character's weight: the end and digits 0, letters themselves, '~' below everything, the rest above letters. */
    private static int order(String s, int i) {
        if (i >= s.length()) return 0;
        char c = s.charAt(i);
        if (c >= '0' && c <= '9') return 0;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return c;
        if (c == '~') return -1;
        return c + 256;
    }
}
