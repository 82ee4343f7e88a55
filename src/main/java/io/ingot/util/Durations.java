package io.ingot.util;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Recipe durations: {@code 100ms}, {@code 30s}, {@code 5m}, {@code 1h}, or combinations such as {@code 1m30s}. */
public final class Durations {
    /** The longest duration ingot accepts: deadlines are kept in nanoseconds, and no wait needs more. */
    public static final Duration MAX = Duration.ofDays(365);
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h))+");

    private Durations() { }

    /** Whether {@code text} is written like a duration; it may still be longer than {@link #MAX}. */
    public static boolean isValid(String text) {
        return text != null && WHOLE.matcher(text.trim()).matches();
    }

    /** @throws IllegalArgumentException when it is not a duration or is longer than {@link #MAX} (the value is not repeated) */
    public static Duration parse(String text) {
        if (!isValid(text)) throw new IllegalArgumentException("not a duration (use e.g. 500ms, 30s, 5m, 1h)");
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text.trim());
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            total = MAX.plusMillis(1); // overflowed: certainly too long
        }
        if (total.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("too long a duration (at most " + MAX.toHours() + "h, a year)");
        }
        return total;
    }

    /** Human form for progress lines: {@code 4.2s}, {@code 3m07s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 60_000) return String.format("%.1fs", ms / 1000.0);
        return String.format("%dm%02ds", ms / 60_000, (ms / 1000) % 60);
    }
}
