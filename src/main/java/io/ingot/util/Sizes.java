package io.ingot.util;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as recipes write them: {@code 512M}, {@code 2G}, {@code 1024K}, or plain bytes; binary units. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)([KMGT]?)(i?B)?", Pattern.CASE_INSENSITIVE);

    private Sizes() { }

    public static boolean isValid(String text) {
        return text != null && SIZE.matcher(text.trim()).matches();
    }

    public static long parseBytes(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim());
        if (!m.matches()) throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 512M, 2G)");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toUpperCase()) {
            case "K" -> n << 10;
            case "M" -> n << 20;
            case "G" -> n << 30;
            case "T" -> n << 40;
            default -> n;
        };
    }

    public static long parseMebibytes(String text) {
        return parseBytes(text) >> 20;
    }
}
