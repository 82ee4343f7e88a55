package io.ingot.recipe;

import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A standard 5-field cron expression (minute hour day-of-month month day-of-week) as recipes
 * write it in {@code schedule.cron}: {@code *}, lists, ranges, steps, month and day names
 * (JAN..DEC, SUN..SAT; day-of-week 0 and 7 are Sunday), or a macro
 * {@code @hourly @daily @midnight @nightly @weekly @monthly @yearly @annually}.
 *
 * <p>Each field is kept as the set of values it allows. {@link #toQuartz()} gives the same
 * schedule in Quartz syntax (seconds first, {@code ?} in one day field) for camel-quartz.
 */
public record Cron(String expression, BitSet minutes, BitSet hours, BitSet daysOfMonth, BitSet months,
                   BitSet daysOfWeek, boolean dayOfMonthRestricted, boolean dayOfWeekRestricted) {

    /** Every macro accepted, in the order the hints and docs/recipes.md list them. */
    static final Map<String, String> MACROS = macros(
            "@hourly", "0 * * * *",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@nightly", "0 0 * * *",
            "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *",
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *");

    private static final List<String> MONTH_NAMES =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAY_NAMES = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private record Field(String name, int min, int max, List<String> names, int firstNameValue) { }

    private static final Field MINUTE = new Field("minute", 0, 59, List.of(), 0);
    private static final Field HOUR = new Field("hour", 0, 23, List.of(), 0);
    private static final Field DAY_OF_MONTH = new Field("day-of-month", 1, 31, List.of(), 0);
    private static final Field MONTH = new Field("month", 1, 12, MONTH_NAMES, 1);
    private static final Field DAY_OF_WEEK = new Field("day-of-week", 0, 7, DAY_NAMES, 0);

    /** @throws IllegalArgumentException naming the wrong field, e.g. "hour field '25': 25 is out of range 0-23" */
    public static Cron parse(String expression) {
        if (expression == null || expression.isBlank()) throw new IllegalArgumentException("empty cron expression");
        String text = expression.trim();
        if (text.startsWith("@")) {
            String expanded = MACROS.get(text.toLowerCase(Locale.ROOT));
            if (expanded == null) {
                String near = Suggest.nearest(text, MACROS.keySet());
                List<String> all = List.copyOf(MACROS.keySet());
                throw new IllegalArgumentException("unknown cron macro " + Problem.quote(text)
                        + (near != null ? " (did you mean '" + near + "'?)"
                        : " (use " + String.join(", ", all.subList(0, all.size() - 1)) + " or " + all.get(all.size() - 1) + ")"));
            }
            text = expanded;
        }
        String[] parts = text.split("\\s+");
        if (parts.length != 5) {
            throw new IllegalArgumentException("cron needs 5 fields (minute hour day-of-month month day-of-week), got "
                    + parts.length + " in " + Problem.quote(expression.trim()));
        }
        BitSet dow = field(DAY_OF_WEEK, parts[4]);
        if (dow.get(7)) { // 7 is another name for Sunday
            dow.clear(7);
            dow.set(0);
        }
        return new Cron(expression.trim(), field(MINUTE, parts[0]), field(HOUR, parts[1]),
                field(DAY_OF_MONTH, parts[2]), field(MONTH, parts[3]), dow,
                !parts[2].equals("*"), !parts[4].equals("*"));
    }

    private static Map<String, String> macros(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return Collections.unmodifiableMap(m);
    }

    private static BitSet field(Field f, String text) {
        BitSet values = new BitSet();
        for (String item : text.split(",", -1)) {
            try {
                item(f, item, values);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.name + " field " + Problem.quote(text) + ": " + e.getMessage());
            }
        }
        return values;
    }

    private static void item(Field f, String item, BitSet values) {
        if (item.isEmpty()) throw new IllegalArgumentException("empty list item");
        int step = 1;
        String range = item;
        int slash = item.indexOf('/');
        if (slash >= 0) {
            range = item.substring(0, slash);
            step = number(item.substring(slash + 1), "step");
            if (step < 1) throw new IllegalArgumentException("step must be at least 1");
        }
        int from;
        int to;
        if (range.equals("*")) {
            from = f.min;
            to = f == DAY_OF_WEEK ? 6 : f.max;
        } else {
            int dash = range.indexOf('-');
            if (dash >= 0) {
                from = value(f, range.substring(0, dash));
                to = value(f, range.substring(dash + 1));
                if (to < from) throw new IllegalArgumentException("range " + range + " goes backwards");
            } else {
                from = value(f, range);
                to = slash >= 0 ? (f == DAY_OF_WEEK ? 6 : f.max) : from; // "5/15" means from 5 every 15
            }
        }
        for (int v = from; v <= to; v += step) values.set(v);
    }

    private static int value(Field f, String text) {
        int index = f.names.indexOf(text.toUpperCase(Locale.ROOT));
        if (index >= 0) return index + f.firstNameValue;
        int n = number(text, "value");
        if (n < f.min || n > f.max) {
            throw new IllegalArgumentException(n + " is out of range " + f.min + "-" + f.max);
        }
        return n;
    }

    private static int number(String text, String what) {
        if (!text.matches("\\d{1,4}")) {
            throw new IllegalArgumentException(Problem.quote(text) + " is not a number" + (what.equals("value") ? " or a name" : ""));
        }
        return Integer.parseInt(text);
    }

    /**
     * The same schedule as a Quartz cron expression. Quartz cannot restrict both day fields at once
     * (classic cron then fires when either matches), so that case is refused.
     */
    public String toQuartz() {
        if (dayOfMonthRestricted && dayOfWeekRestricted) {
            throw new IllegalArgumentException("cron '" + expression + "': restrict day-of-month or day-of-week, not both");
        }
        String dom = dayOfMonthRestricted ? list(daysOfMonth, DAY_OF_MONTH) : (dayOfWeekRestricted ? "?" : "*");
        String dow = dayOfWeekRestricted
                ? daysOfWeek.stream().mapToObj(DAY_NAMES::get).collect(Collectors.joining(","))
                : "?";
        return "0 " + list(minutes, MINUTE) + " " + list(hours, HOUR) + " " + dom + " " + list(months, MONTH) + " " + dow;
    }

    private static String list(BitSet values, Field f) {
        if (values.cardinality() == f.max - f.min + 1) return "*";
        return values.stream().mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
