package io.ingot.util;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as recipes write them: {@code 512M}, {@code 2G}, {@code 1024K}, or plain bytes; binary units. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);

    private Sizes() { }

    /** Whether {@code text} is written like a size; it may still be too large for {@link #parseBytes}. */
    public static boolean isValid(String text) {
        return text != null && SIZE.matcher(text.trim()).matches();
    }

    /** Whether {@code text} is written without a unit (plain bytes). */
    public static boolean isPlainNumber(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        return m.matches() && m.group(2).isEmpty() && m.group(3) == null;
    }

    /** @throws IllegalArgumentException when it is not a size or does not fit in a long (the value is not repeated) */
    public static long parseBytes(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) throw new IllegalArgumentException("not a size (use e.g. 512M, 2G)");
        int shift = switch (m.group(2).toUpperCase()) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > Long.MAX_VALUE >> shift) throw new NumberFormatException();
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("too large a size (more than 8 EiB)");
        }
    }

    public static long parseMebibytes(String text) {
        return parseBytes(text) >> 20;
    }

    /** Human form with the largest binary unit that divides it: {@code 64M}, {@code 16T}, {@code 1536K}. */
    public static String format(long bytes) {
        String[] units = {"", "K", "M", "G", "T"};
        int u = 0;
        while (u < units.length - 1 && bytes != 0 && bytes % 1024 == 0) {
            bytes /= 1024;
            u++;
        }
        return bytes + units[u];
    }
}
